import Foundation
import Forge
import Git
import Reconcile
import SlipwayCore
import Store

/// Moves promoted environments (production, or any step of a chain) the way a release manager
/// wants: after every healthy deploy of the `from` environment it keeps one open promotion pull
/// request from the source's branch into the target's, updated in place; it counts approvals (an
/// approver's label or approving review, at the PR's current head, per distinct person, never the
/// author), removes labels added by anyone else and says who may approve; once enough approvals
/// are in and every gate passes it fast-forwards the target's branch to the approved head itself
/// (never forcing) and records the promotion, so the next reconcile deploys exactly that SHA.
///
/// Level-triggered: `evaluate()` runs after every reconcile and derives everything from git,
/// the store and the forge; a lost webhook only delays it. Policy (who approves, how many, which
/// gates) comes from the specs at the default branch's tip, never from the PR being approved.
final class PromotionController: @unchecked Sendable {
    let store: any Store
    let repository: ManagedRepository
    let client: GitHubClient?
    let forge: ForgeUpdateQueue?
    let comments: PullRequestCommentPublisher
    let defaultBranch: String
    let logger: Logger
    /// Asks for a reconcile soon (after a promotion shipped).
    let onShipped: @Sendable () -> Void
    private let lock = NSLock()
    private let reader = DesiredStateReader()
    /// The last body submitted per promotion PR key, so an unchanged body is not queued again.
    private var lastBodies: [String: String] = [:]
    /// Evaluations run here, one at a time, never under the reconciler's lock (they call the
    /// forge); requests while one is pending coalesce into it.
    private let queue = DispatchQueue(label: "slipway-promotion")
    /// Guards `scheduled` and `reported` only: asking for an evaluation (from a reconcile, with
    /// the reconciler's lock held) never waits for one in progress.
    private let scheduleLock = NSLock()
    private var scheduled = false
    /// Unapproved pushes already reported (bounded).
    private var reported: [String] = []

    init(store: any Store, repository: ManagedRepository, client: GitHubClient?, forge: ForgeUpdateQueue?,
         comments: PullRequestCommentPublisher, defaultBranch: String, logger: Logger, onShipped: @escaping @Sendable () -> Void) {
        self.store = store
        self.repository = repository
        self.client = client
        self.forge = forge
        self.comments = comments
        self.defaultBranch = defaultBranch
        self.logger = logger
        self.onShipped = onShipped
    }

    /// One promotion edge: `source` (its branch) into `target` (its branch).
    struct Edge {
        var source: EnvironmentSpec
        var target: EnvironmentSpec
        var promotion: EnvironmentSpec.Promotion
        var sourceBranch: String
        var targetBranch: String
    }

    // MARK: Webhook facts

    /// A `labeled` delivery on a promotion PR: a label approval is recorded with who gave it and
    /// at which head; a promotion label from anyone who may not approve is removed, and the PR's
    /// comment says who may.
    func labeled(_ event: PullRequestEvent) {
        // A fork's branch may share the source branch's name (`mallory:main`): only a pull
        // request from this repository is a promotion pull request.
        guard event.action == .labeled, let label = event.label, let sender = event.sender,
              event.pullRequest.provenance == .sameRepository else { return }
        lock.lock()
        defer { lock.unlock() }
        do {
            guard let edge = try edges().first(where: { $0.targetBranch == event.pullRequest.base.ref
                && $0.sourceBranch == event.pullRequest.head.ref && $0.promotion.label == label }) else { return }
            let head = event.pullRequest.head.sha
            let rule = ApproverRule(edge.promotion.approvers)
            let isAuthor = sender.lowercased() == event.pullRequest.author?.lowercased()
            if rule.allows(sender) && !isAuthor {
                try store.recordApprovalSignal(ApprovalSignal(kind: .label, actor: sender, sha: head, at: Date()), pullRequest: event.number)
                logger.info("promotion approval recorded", ["pr": "\(event.number)", "approver": sender, "sha": head])
                return
            }
            let why = isAuthor ? "@\(sender) opened this pull request, and an author never approves their own promotion"
                : "@\(sender) may not approve promotions to \(edge.target.name)"
            logger.warning("promotion label refused", ["pr": "\(event.number)", "sender": sender, "label": label])
            guard let forge else { return }
            _ = forge.submit(.removeLabel(pullRequest: event.number, label: label), version: UInt64(try store.nextCounter("forge-update")))
            comments.setPromotionNotices(event.number, [PRCommentState.Notice(
                message: "The label '\(label)' was removed: \(why). Who may approve: \(rule.description) (\(edge.promotion.required) approval\(edge.promotion.required == 1 ? "" : "s") needed, by label or approving review, at the current head).")])
        } catch {
            logger.error("could not handle a promotion label", ["pr": "\(event.number)", "error": "\(error)"])
        }
    }

    // MARK: Evaluation

    /// Asks for an evaluation soon (after a reconcile); coalesces with one already pending.
    func requestEvaluation(unapproved: [UnapprovedPush] = []) {
        scheduleLock.lock()
        let first = !scheduled
        scheduled = true
        scheduleLock.unlock()
        if !unapproved.isEmpty { report(unapproved) }
        guard first else { return }
        queue.async { [self] in
            scheduleLock.lock()
            scheduled = false
            scheduleLock.unlock()
            evaluate()
        }
    }

    /// A head of a promoted environment's branch that the bot did not put there: an `error`
    /// status on that commit and a comment on it, once per SHA.
    private func report(_ pushes: [UnapprovedPush]) {
        guard let forge else { return }
        scheduleLock.lock()
        defer { scheduleLock.unlock() }
        for push in pushes where !reported.contains("\(push.environment)@\(push.sha)") {
            reported.append("\(push.environment)@\(push.sha)")
            if reported.count > 256 { reported.removeFirst(reported.count - 256) }
            let keeps = push.running.map { "\(push.environment) keeps running \($0.prefix(7))" } ?? "\(push.environment) stays as it is"
            do {
                _ = forge.submit(.status(CommitStatusRequest(
                    sha: push.sha, context: CommitStatusRequest.context(environment: push.environment), state: .error,
                    description: "Not deployed: '\(push.branch)' was pushed without an approved promotion")),
                    version: UInt64(try store.nextCounter("forge-update")))
                _ = forge.submit(.commitComment(sha: push.sha, body: """
                    **Slipway: not deployed.** `\(push.branch)` was moved to this commit without an approved promotion, so \(push.environment) does not deploy it (\(keeps)). \(push.environment) moves only through its promotion pull request; set `promotion.allow_direct_push: true` in its spec to deploy direct pushes.
                    """), version: ForgeUpdatePayload.onceVersion)
                logger.warning("unapproved push not deployed", ["env": push.environment, "branch": push.branch, "sha": push.sha])
            } catch {
                logger.error("could not report an unapproved push", ["env": push.environment, "error": "\(error)"])
            }
        }
    }

    /// Keeps every promotion PR up to date and ships the approved ones. Cheap when nothing
    /// changed; forge failures only postpone (the next reconcile tries again).
    func evaluate() {
        lock.lock()
        defer { lock.unlock() }
        guard client != nil, forge != nil else { return }
        do {
            for edge in try edges() {
                do {
                    try evaluate(edge)
                } catch {
                    logger.warning("promotion not evaluated", ["target": edge.target.name, "error": "\(error)"])
                }
            }
        } catch {
            logger.warning("promotions not evaluated", ["error": "\(error)"])
        }
    }

    /// The promotion edges the default branch's specs declare.
    private func edges() throws -> [Edge] {
        try repository.withRepository { repo -> [Edge] in
            guard let tip = try? repo.resolve("refs/heads/\(defaultBranch)"),
                  case .specs(let specs) = try reader.specs(repo, at: tip.hex) else { return [] }
            return specs.compactMap { resolved -> Edge? in
                let target = resolved.spec
                guard let promotion = target.promotion, let targetBranch = target.match.branch,
                      let source = specs.first(where: { $0.spec.name == promotion.from })?.spec,
                      let sourceBranch = source.match.branch, !sourceBranch.contains("*"), !targetBranch.contains("*") else { return nil }
                return Edge(source: source, target: target, promotion: promotion, sourceBranch: sourceBranch, targetBranch: targetBranch)
            }
        }
    }

    private func evaluate(_ edge: Edge) throws {
        guard let client, let forge else { return }
        let (sourceTip, targetTip) = try repository.withRepository { repo in
            ((try? repo.resolve("refs/heads/\(edge.sourceBranch)"))?.hex, (try? repo.resolve("refs/heads/\(edge.targetBranch)"))?.hex)
        }
        guard let sourceTip else { return }
        let sourceEnv = try store.environment(named: edge.source.name)
        if targetTip == nil, sourceEnv?.status == .healthy {
            // A promotion PR needs a base branch: the first one starts the target's branch at the
            // source's root commit (an ancestor of everything), so the first promotion is a
            // fast-forward like every later one. Nothing deploys from it.
            try createTargetBranch(edge, from: sourceTip)
            return
        }
        let targetEnv = try store.environment(named: edge.target.name)
        let pr = try store.pullRequests().first {
            $0.state == .open && $0.baseRef == edge.targetBranch && $0.headRef == edge.sourceBranch && $0.provenance == .sameRepository
        }
        let behind = try targetTip == nil || code(sourceTip) != code(targetTip!)

        // The promotion PR exists while the source is healthy and the target lacks its code.
        let head = pr?.headSHA ?? sourceTip
        let pin = try store.pins()[edge.target.name]
        var tally: ApprovalTally?
        var gates: [PromotionGate] = []
        if let pr {
            let reviews = try client.reviews(ofPullRequest: pr.number)
            var latest: [String: GitHubPullRequestReview] = [:]
            for review in reviews {
                guard let login = review.user?.login else { continue }
                if review.state == .approved || review.state == .changesRequested || review.state == .dismissed {
                    latest[login.lowercased()] = review
                }
            }
            var signals = try store.approvalSignals(pullRequest: pr.number)
            for review in latest.values where review.state == .approved {
                signals.append(ApprovalSignal(kind: .review, actor: review.user?.login ?? "", sha: review.commitID ?? "", at: review.submittedAt))
            }
            let headHuman = try humanCode(head)
            let same = Set(signals.map(\.sha).filter { $0 != head && (try? humanCode($0)) == headHuman })
            let counted = ApprovalTally.count(signals: signals, head: head, sameAsHead: same, author: pr.author,
                                              rule: ApproverRule(edge.promotion.approvers),
                                              required: edge.promotion.required, labelPresent: pr.labels.contains(edge.promotion.label))
            tally = counted
            gates = try self.gates(edge, head: head, targetTip: targetTip, sourceEnv: sourceEnv, client: client)
            if counted.isComplete && PromotionGates.allPassed(gates) {
                try ship(edge, pr: pr, head: head, tally: counted, gates: gates, sourceEnv: sourceEnv)
                return
            }
        }
        guard behind, sourceEnv?.status == .healthy || pr != nil else { return }
        let body = PromotionBody.render(
            source: edge.source.name, target: edge.target.name, head: head, commits: try commits(head: head, targetTip: targetTip),
            sourceEvidence: try healthyEvidence(edge.source.name, head: head), tally: tally, promotion: edge.promotion,
            gates: gates, running: targetEnv?.sha, pin: pin)
        let title = "Promote \(edge.source.name) (\(head.prefix(7))) to \(edge.target.name)"
        let key = "\(edge.sourceBranch)->\(edge.targetBranch)"
        // Unchanged bodies are not queued again once the PR is known (a PR that failed to open is
        // asked for again at the next evaluation).
        if pr == nil || lastBodies[key] != title + body {
            _ = forge.submit(.pullRequest(PullRequestUpdate(head: edge.sourceBranch, base: edge.targetBranch, title: title, body: body)),
                             version: UInt64(try store.nextCounter("forge-update")))
            lastBodies[key] = title + body
        }
    }

    private func gates(_ edge: Edge, head: String, targetTip: String?, sourceEnv: EnvironmentRecord?, client: GitHubClient) throws -> [PromotionGate] {
        let healthy = try healthyEvidence(edge.source.name, head: head) != nil
            || (sourceEnv?.status == .healthy && sourceEnv.map { try code($0.sha) == code(head) } == true)
        var checks: ChecksState?
        if edge.promotion.requireChecks {
            switch try client.checksGreen(ref: head) {
            case .green: checks = .green
            case .pending(let names): checks = .pending(names)
            case .failing(let names): checks = .failing(names)
            }
        }
        let busy = try store.pendingJobs().contains { $0.environment == edge.target.name }
        let fastForward: FastForward = try repository.withRepository { repo in
            guard let targetTip, let tipID = ObjectID(hex: targetTip) else { return .targetMissing }
            guard let headID = ObjectID(hex: head) else { return .diverged(count: 0) }
            if try repo.isAncestor(tipID, of: headID) { return .possible }
            return .diverged(count: try repo.commitsAhead(tipID, comparedTo: headID))
        }
        return PromotionGates.evaluate(source: edge.source.name, target: edge.target.name, head: head, healthyOnSource: healthy,
                                       checks: checks, targetBusy: busy, fastForward: fastForward)
    }

    private func ship(_ edge: Edge, pr: PullRequestRecord, head: String, tally: ApprovalTally, gates: [PromotionGate],
                      sourceEnv: EnvironmentRecord?) throws {
        if try store.approvedPromotions()[edge.target.name]?.sha == head { return }
        guard let headID = ObjectID(hex: head) else { return }
        switch try BranchFastForward(repository: repository, branch: edge.targetBranch).fastForward(to: headID) {
        case .moved, .alreadyThere:
            let evidence = try healthyEvidence(edge.source.name, head: head)
            try store.recordPromotion(ApprovedPromotion(
                environment: edge.target.name, sha: head, from: edge.source.name, approvers: tally.approvedBy, gates: gates,
                promotedFrom: evidence?.id, pullRequest: pr.number, at: Date()))
            // A promotion lifts a rollback's pin.
            try store.unpin(edge.target.name)
            logger.info("promotion shipped", ["target": edge.target.name, "sha": head, "approvers": tally.approvedBy.joined(separator: ","),
                                              "pr": "\(pr.number)"])
            comments.setPromotionNotices(pr.number, [PRCommentState.Notice(
                message: "Approved by \(tally.approvedBy.map { "@\($0)" }.joined(separator: ", ")): '\(edge.targetBranch)' was fast-forwarded to \(head.prefix(7)) and \(edge.target.name) deploys it now.")])
            onShipped()
        case .diverged(let tip, let ahead):
            logger.warning("promotion blocked: the target branch diverged", ["target": edge.target.name, "tip": tip.hex, "ahead": "\(ahead)"])
        case .raced:
            logger.info("promotion raced with a push to the target branch; it is evaluated again", ["target": edge.target.name])
        }
    }

    private func createTargetBranch(_ edge: Edge, from sourceTip: String) throws {
        let root = try repository.withRepository { repo -> ObjectID? in
            guard let tip = ObjectID(hex: sourceTip) else { return nil }
            return try repo.rootCommit(of: tip)
        }
        guard let root else { return }
        let outcome = try BranchFastForward(repository: repository, branch: edge.targetBranch).fastForward(to: root)
        logger.info("created the target branch of a promotion at the source's root commit",
                    ["target": edge.target.name, "branch": edge.targetBranch, "commit": root.hex, "outcome": "\(outcome)"])
    }

    // MARK: Facts

    /// The code id of a commit: its tree without Slipway's own paths and specs.
    private func code(_ sha: String) throws -> String {
        try repository.withRepository { repo in
            guard let id = ObjectID(hex: sha) else { return sha }
            return try reader.contentHash(repo, commit: id)
        }
    }

    /// The code id including specs (what people approve): the tree minus the bot's own paths.
    private func humanCode(_ sha: String) throws -> String {
        try repository.withRepository { repo in
            guard let id = ObjectID(hex: sha) else { return sha }
            return try reader.humanContentHash(repo, commit: id)
        }
    }

    /// The newest successful deploy of `environment` whose code equals `head`'s, from the evidence
    /// index (a head differing only in bot-owned paths counts as the same code).
    private func healthyEvidence(_ environment: String, head: String) throws -> EvidenceIndexEntry? {
        let headCode = try code(head)
        for entry in try store.evidence(environment: environment, limit: 50)
        where entry.kind == "deploy" && entry.outcome == "succeeded" {
            if entry.sha == head || (try? code(entry.sha)) == headCode { return entry }
        }
        return nil
    }

    private func commits(head: String, targetTip: String?) throws -> [CommitInfo] {
        try repository.withRepository { repo in
            guard let headID = ObjectID(hex: head) else { return [] }
            return try repo.commits(from: headID, excluding: targetTip.flatMap(ObjectID.init(hex:)), limit: 50)
        }
    }
}
