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
    struct StoredSection: Codable {
        var pullRequest: Int?
        var section: PRCommentState.Environment
    }

    static let sectionPrefix = "comment-section:"

    let store: any Store
    let repository: ManagedRepository
    let forge: ForgeUpdateQueue?
    let redactor: Redactor
    let logger: Logger
    /// Called after a job finished and its comment/status were queued (evidence, docs).
    let finished: [@Sendable (JobRecord, DeploymentReport) -> Void]
    private let lock = NSLock()
    private let reader = DesiredStateReader()

    init(store: any Store, repository: ManagedRepository, forge: ForgeUpdateQueue?, redactor: Redactor, logger: Logger,
         finished: [@Sendable (JobRecord, DeploymentReport) -> Void] = []) {
        self.store = store
        self.repository = repository
        self.forge = forge
        self.redactor = redactor
        self.logger = logger
        self.finished = finished
    }

    func jobStarted(_ job: JobRecord, environment: String) {
        guard job.kind == .deploy else { return }
        let previous = storedSection(job.environment)?.section
        let section = PRCommentState.Environment(
            name: job.environment, url: previous?.url, state: .building, sha: job.sha ?? previous?.sha ?? "",
            neutralization: previous?.neutralization ?? [], tearDownAt: previous?.tearDownAt)
        publish(job, section)
    }

    func jobFinished(_ job: JobRecord, report: DeploymentReport) {
        // A build cancelled because a newer push superseded it says nothing: the newer job speaks.
        if report.outcome == .cancelled && job.cancelRequested { return }
        let section = PRCommentState.Environment(report: report, tearDownAt: tearDownAt(job, report))
        publish(job, section)
        for hook in finished { hook(job, report) }
    }

    private func publish(_ job: JobRecord, _ section: PRCommentState.Environment) {
        do {
            let stored = StoredSection(pullRequest: job.pullRequest, section: section)
            try store.setValue(String(decoding: try JSONEncoder().encode(stored), as: UTF8.self), forKey: Self.sectionPrefix + job.environment)
            guard let forge else { return }
            if job.kind == .deploy, !section.sha.isEmpty {
                _ = forge.submit(.status(section.commitStatus), version: UInt64(try store.nextCounter("forge-update")))
            }
            guard let number = job.pullRequest else { return }
            let sections = try store.values(withPrefix: Self.sectionPrefix).values
                .compactMap { try? JSONDecoder().decode(StoredSection.self, from: Data($0.utf8)) }
                .filter { $0.pullRequest == number }
                .map(\.section)
                .sorted { $0.name < $1.name }
            let renderer = try PRCommentRenderer(templateText: repositoryTemplate(at: job.sha), redactor: redactor)
            let body = try renderer.render(PRCommentState(pullRequest: number, environments: sections))
            _ = forge.submit(.comment(pullRequest: number, body: body), version: UInt64(try store.nextCounter("forge-update")))
        } catch {
            logger.error("could not queue the PR comment or status", ["env": job.environment, "error": "\(error)"])
        }
    }

    private func storedSection(_ environment: String) -> StoredSection? {
        guard let text = try? store.value(forKey: Self.sectionPrefix + environment) else { return nil }
        return try? JSONDecoder().decode(StoredSection.self, from: Data(text.utf8))
    }

    /// The repository's own `templates/pr-comment.md` at the deployed commit, if it has one.
    private func repositoryTemplate(at sha: String?) -> String? {
        guard let sha, let commit = ObjectID(hex: sha) else { return nil }
        let data = try? repository.withRepository { try $0.blob(at: PRCommentRenderer.templatePath, commit: commit) }
        return data.flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Previews with a ttl: when the environment will be torn down if nobody pushes.
    private func tearDownAt(_ job: JobRecord, _ report: DeploymentReport) -> Date? {
        guard job.kind == .deploy, report.outcome == .succeeded, let sha = job.sha else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard case .specs(let specs)? = try? repository.withRepository({ try reader.specs($0, at: sha) }),
              let ttl = specs.first(where: { $0.spec.file == job.specFile })?.spec.ttl else { return nil }
        return (report.finishedAt ?? Date()).addingTimeInterval(ttl.seconds)
    }
}
