import Docs
import Evidence
import Foundation
import Forge
import Git
import Reconcile
import Runner
import SlipwayCore
import Store

/// What the bot does when the runner starts and finishes a job: keeps each environment's
/// comment section in the store, and queues the PR's sticky comment and the commit status on the
/// forge (the latest state wins; a forge outage never blocks the runner). Later hooks (evidence,
/// docs) are called from here too.
final class BotDeploymentObserver: DeploymentObserver, @unchecked Sendable {
    let store: any Store
    let repository: ManagedRepository
    let comments: PullRequestCommentPublisher
    let logger: Logger
    let evidence: EvidenceWriter
    let docs: DocsGenerator.Configuration
    /// Commits the docs on staging or proposes them through the bot's pull request (`docs.publish`).
    let docsPublisher: DocsPublisher
    let workDir: String
    /// Where evidence folders can be browsed (`https://github.com/o/r/tree/<branch>/`), if known.
    let evidenceBaseURL: String?
    private let lock = NSLock()
    private let docsLock = NSLock()
    private var deployedHook: (@Sendable () -> Void)?
    /// Called after every successful deploy (promotions look again).
    var onDeployed: (@Sendable () -> Void)? {
        get { lock.lock(); defer { lock.unlock() }; return deployedHook }
        set { lock.lock(); deployedHook = newValue; lock.unlock() }
    }
    private let reader = DesiredStateReader()

    init(store: any Store, repository: ManagedRepository, comments: PullRequestCommentPublisher, logger: Logger,
         evidence: EvidenceWriter, docs: DocsGenerator.Configuration, docsPublisher: DocsPublisher, workDir: String, evidenceBaseURL: String?) {
        self.store = store
        self.repository = repository
        self.comments = comments
        self.logger = logger
        self.evidence = evidence
        self.docs = docs
        self.docsPublisher = docsPublisher
        self.workDir = workDir
        self.evidenceBaseURL = evidenceBaseURL
    }

    func jobStarted(_ job: JobRecord, environment: String) {
        guard job.kind == .deploy else { return }
        let previous = comments.storedSection(job.environment)?.section
        let section = PRCommentState.Environment(
            name: job.environment, url: previous?.url, state: .building, sha: job.sha ?? previous?.sha ?? "",
            neutralization: previous?.neutralization ?? [], database: previous?.database, tearDownAt: previous?.tearDownAt)
        publish(job, section)
        deployment(job, kind: job.environmentKind, state: .inProgress, url: nil, description: "Building and deploying")
    }

    /// The GitHub Deployment of this job's environment and commit (through the update queue:
    /// outages delay it, never lose it).
    private func deployment(_ job: JobRecord, kind: EnvironmentKind?, state: DeploymentUpdate.State, url: String?, description: String,
                            evidenceID: String? = nil) {
        guard let forge = comments.forge, let sha = job.sha, !sha.isEmpty else { return }
        do {
            var payload: [String: String] = ["slipway_job": "\(job.id)"]
            if let evidenceID { payload["slipway_evidence"] = evidenceID }
            let update = DeploymentUpdate(environment: job.environment, sha: sha, state: state, environmentURL: url,
                                          description: description, transient: kind == .preview, production: kind == .production,
                                          payload: payload)
            _ = forge.submit(.deployment(update), version: UInt64(try store.nextCounter("forge-update")))
        } catch {
            logger.error("could not queue the GitHub deployment", ["env": job.environment, "error": "\(error)"])
        }
    }

    /// Who caused a job, as a GitHub login when one is known: the approvers of a promotion,
    /// the person who ran a command, the sender of the webhook that triggered it.
    private func actor(_ job: JobRecord, report: DeploymentReport) -> String? {
        if let promotion = report.promotion { return promotion.approvers.joined(separator: ",") }
        if let pin = report.pin { return pin.actor }
        let parts = job.trigger.split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first {
        case "command": return parts.count > 1 ? parts[1] : nil
        case "delivery":
            guard parts.count > 1, let delivery = try? store.delivery(id: parts[1]),
                  case .event(let event) = WebhookDecoder.decode(event: delivery.event, payload: delivery.body) else { return nil }
            switch event {
            case .pullRequest(let pr): return pr.sender ?? pr.pullRequest.author
            case .push(let push): return push.sender ?? push.pusherName
            case .pullRequestReview(let review): return review.sender ?? review.reviewer
            case .ping: return nil
            }
        default: return nil
        }
    }

    func jobFinished(_ job: JobRecord, report: DeploymentReport) {
        // A build cancelled because a newer push superseded it says nothing: the newer job speaks.
        if report.outcome == .cancelled && job.cancelRequested { return }
        // A promotion's deploy carries its approvers and gates; a person's pin says who and why.
        var report = report
        if job.kind == .deploy, let sha = job.sha {
            if let promotion = try? store.approvedPromotions()[job.environment], promotion.sha == sha {
                report.promotion = promotion
                report.approver = promotion.approvers.joined(separator: ", ")
            }
            if let pin = try? store.pins()[job.environment], pin.sha == sha { report.pin = pin }
        } else if job.kind == .teardown, let pin = try? store.pins()[job.environment], pin.action == .teardown {
            report.pin = pin
        }
        // Every attempt leaves evidence (queued; committed in batches on the evidence branch).
        let logs = EnvironmentLogs(workDir: workDir, environment: job.environment).directory
        let record = evidence.submit(report, logDirectory: logs, actor: actor(job, report: report))
        let folder = EvidenceLayout.folder(for: record)
        let section = PRCommentState.Environment(report: report, evidenceURL: evidenceBaseURL.map { $0 + folder } ?? folder,
                                                 tearDownAt: tearDownAt(job, report))
        publish(job, section, report: report)
        switch (job.kind, report.outcome) {
        case (.deploy, .succeeded?):
            let approved = report.promotion.map { " · promoted by \($0.approvers.joined(separator: ", "))" } ?? ""
            deployment(job, kind: report.environmentKind, state: .success, url: report.url, description: "Healthy\(approved)", evidenceID: record.id)
        case (.deploy, .failed?):
            deployment(job, kind: report.environmentKind, state: .failure, url: nil,
                       description: report.failure ?? "The deploy failed", evidenceID: record.id)
        case (.teardown, .succeeded?):
            var torn = job
            torn.sha = report.sha
            deployment(torn, kind: report.environmentKind, state: .inactive, url: nil, description: "Torn down", evidenceID: record.id)
        default:
            break
        }
        if job.kind == .deploy, report.outcome == .failed, report.environmentKind != .preview {
            draftPostmortem(record: record, report: report)
        }
        if job.kind == .deploy, report.outcome == .succeeded { onDeployed?() }
        if job.kind == .deploy, report.outcome == .succeeded, report.environmentKind == .staging {
            regenerateDocs(branch: stagingBranch(job) ?? docs.branch, after: report)
        }
    }

    /// A failed staging or production deploy: a draft postmortem on the evidence branch, and a
    /// commit comment on the failed commit linking it. On a thread of its own (it pushes).
    private func draftPostmortem(record: EvidenceRecord, report: DeploymentReport) {
        let thread = Thread { [self] in
            do {
                // The environment's earlier records (and this one) go to the index first: the
                // timeline and the last good version are read from it.
                do { try evidence.flush() } catch { logger.warning("evidence not flushed before the postmortem", ["error": "\(error)"]) }
                let postmortem = try Postmortem.make(record: record, failureTail: report.failureLogTail, store: store, repository: repository)
                let commit = try evidence.publishFile(postmortem.path, data: Data(postmortem.markdown.utf8),
                                                      message: "postmortem: \(record.environment) \(record.sha.prefix(7)) (draft)\n\nSlipway-Evidence: \(record.id)\n")
                let link = evidenceBaseURL.map { $0 + postmortem.path } ?? "\(postmortem.path) on the evidence branch"
                logger.info("postmortem drafted", ["env": record.environment, "path": postmortem.path, "commit": commit])
                if let forge = comments.forge {
                    let body = """
                    The deploy of `\(record.sha.prefix(7))` to **\(record.environment)** failed (\(record.failedPhase ?? "deploy")): \(Postmortem.cell(record.failure ?? "see the evidence")).

                    A draft postmortem (timeline, logs, what changed since the last good version): \(link)
                    """
                    _ = forge.submit(.commitComment(sha: record.sha, body: body), version: UInt64(try store.nextCounter("forge-update")))
                }
            } catch {
                logger.error("postmortem not drafted", ["env": record.environment, "error": "\(error)"])
            }
        }
        thread.name = "slipway-postmortem"
        thread.start()
    }

    /// Regenerates `docs/llm/` for the staging branch after a staging deploy, on a thread of its
    /// own (it fetches and pushes), with what the store observed running as of that deploy;
    /// commits (or proposes, see `DocsPublisher`) only when a byte changed.
    private func regenerateDocs(branch: String, after report: DeploymentReport) {
        var settings = docs
        settings.branch = branch
        let configuration = settings
        let thread = Thread { [self] in
            docsLock.lock()
            defer { docsLock.unlock() }
            do {
                var configuration = configuration
                do {
                    configuration.observed = try ObservedState(store: store, after: report)
                } catch {
                    logger.warning("docs without observed state: the store could not be read", ["error": "\(error)"])
                }
                var graph: GraphSnapshot?
                let outcome = try docsPublisher.publish(configuration) {
                    graph = GraphSnapshot($0, commit: $1, at: Date())
                }
                logger.info("docs regenerated", ["branch": branch, "mode": "\(docsPublisher.mode)", "outcome": "\(outcome)"])
                if let graph {
                    do { try store.recordGraphSnapshot(graph) } catch { logger.error("graph snapshot not stored", ["error": "\(error)"]) }
                }
            } catch {
                logger.error("docs not published", ["branch": branch, "mode": "\(docsPublisher.mode)", "error": "\(error)"])
            }
        }
        thread.name = "slipway-docs"
        thread.start()
    }

    private func stagingBranch(_ job: JobRecord) -> String? {
        guard let sha = job.sha else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard case .specs(let specs)? = try? repository.withRepository({ try reader.specs($0, policyAt: job.specSHA ?? sha, codeAt: sha) }) else { return nil }
        return specs.first(where: { $0.spec.file == job.specFile })?.spec.match.branch
    }

    private func publish(_ job: JobRecord, _ section: PRCommentState.Environment, report: DeploymentReport? = nil) {
        var note: String?
        if let promotion = report?.promotion {
            note = "promoted by \(promotion.approvers.map { "@\($0)" }.joined(separator: ", "))"
        } else if let pin = report?.pin {
            note = pin.summary
        }
        comments.publish(section: section, pullRequest: job.pullRequest, isDeploy: job.kind == .deploy, statusNote: note)
    }

    /// Previews with a ttl: when the environment will be torn down if nobody pushes.
    private func tearDownAt(_ job: JobRecord, _ report: DeploymentReport) -> Date? {
        guard job.kind == .deploy, report.outcome == .succeeded, let sha = job.sha else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard case .specs(let specs)? = try? repository.withRepository({ try reader.specs($0, policyAt: job.specSHA ?? sha, codeAt: sha) }),
              let ttl = specs.first(where: { $0.spec.file == job.specFile })?.spec.ttl else { return nil }
        return (report.finishedAt ?? Date()).addingTimeInterval(ttl.seconds)
    }
}
