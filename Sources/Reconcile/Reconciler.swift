public import Foundation
import Git
public import SlipwayCore
public import Store

/// One reconcile's outcome.
public struct ReconcileResult: Sendable {
    public let plan: Plan
    public let enqueued: [JobRecord]
    /// Milliseconds spent fetching, reading desired state, planning and enqueuing.
    public let timings: [String: Double]
}

/// Computes the desired state from git (and the PR records kept from webhooks or the forge),
/// plans against the store's current state, and enqueues the changes as durable jobs.
///
/// Thread-safe: the part of a reconcile that reads and writes the store is serialised; the fetch
/// and the forge's list of open PRs (network I/O) run before that lock is taken, so no lock of
/// the reconciler is held across the network. In `serve` one driver (the reconcile loop) runs
/// reconciles one at a time; replicas are kept apart by the store's transactions.
public final class Reconciler: @unchecked Sendable {
    public let repository: ManagedRepository
    public let store: any Store
    /// The base assumed for PRs known only from `refs/pull/<n>/head` (no forge, no webhook).
    public let defaultBranch: String
    /// The forge's list of open PRs, when one is configured.
    public let pullRequestSource: (any PullRequestSource)?
    /// The operator's secret grants: a spec naming one its environment may not use is refused
    /// at plan time (nil: checked only by the runner).
    public let grants: GrantTable?
    let logger: Logger
    /// Told about the jobs each reconcile queued (wakes the runner).
    let onEnqueue: (@Sendable ([JobRecord]) -> Void)?
    /// Told about every plan (the PR notices: why a PR is not built).
    let onPlan: (@Sendable (Plan) -> Void)?
    private let lock = NSLock()
    private let reader = DesiredStateReader()
    /// Whether a PR head changes `environments/` against its merge base, by "head base-tip".
    private var proposesSpecChanges: [String: Bool] = [:]
    /// Branch commits whose invalid specs were already said (bounded): a branch environment that
    /// cannot deploy because its specs are broken is a warning once per commit, not silence.
    private var reportedInvalidSpecs: [String] = []

    /// Whether forks can be vouched for (a forge is configured); `slipway plan` says so without
    /// listing PRs from the forge.
    let forgeConfigured: Bool

    public init(repository: ManagedRepository, store: any Store, defaultBranch: String = "main",
                pullRequestSource: (any PullRequestSource)? = nil, grants: GrantTable? = nil, forgeConfigured: Bool? = nil, logger: Logger,
                onEnqueue: (@Sendable ([JobRecord]) -> Void)? = nil, onPlan: (@Sendable (Plan) -> Void)? = nil) {
        self.onEnqueue = onEnqueue
        self.onPlan = onPlan
        self.grants = grants
        self.forgeConfigured = forgeConfigured ?? (pullRequestSource != nil)
        self.pullRequestSource = pullRequestSource
        self.repository = repository
        self.store = store
        self.defaultBranch = defaultBranch
        self.logger = logger
    }

    /// Fetches, plans and enqueues. `trigger` says why (`reconcile`, `delivery:<id>`, ...).
    @discardableResult
    public func reconcile(trigger: String, now: Date = Date(), fetch: Bool = true) throws -> ReconcileResult {
        var timings: [String: Double] = [:]
        // What the listing and the fetch below can speak for: PRs seen before they began (a
        // simulated `now` ahead of the clock stands for the clock).
        let listedFrom = max(now, Date())
        if fetch {
            timings["fetch"] = Self.measure { fetchOrKeepMirror(trigger: trigger) }
        }
        // The forge's listing, outside the lock (network I/O). A listing that failed says nothing:
        // no PR is closed (or opened) from it, and previews are kept as they are until the forge
        // answers again.
        var listing: Result<[PullRequestRecord], any Error>?
        timings["forge"] = Self.measure { listing = pullRequestSource.map(Self.listOpenPullRequests) }
        lock.lock()
        defer { lock.unlock() }
        var inputs = DesiredInputs()
        var current = CurrentState()
        timings["desired"] = try Self.measure {
            let snapshot = try repository.withRepository { try reader.snapshot($0) }
            var unknown: String?
            if let listing {
                switch listing {
                case .success(let open):
                    // The forge knows which PRs are open; git knows where their heads are.
                    for record in open { try store.recordPullRequest(record) }
                    let openNumbers = Set(open.map(\.number))
                    let openHeads = snapshot.pullHeads.filter { openNumbers.contains($0.key) }
                    try store.observePullRequestHeads(openHeads, defaultBase: defaultBranch, now: now)
                    try store.closePullRequests(notIn: openNumbers, seenBefore: listedFrom)
                case .failure(let error):
                    unknown = "\(error)"
                    logger.warning("the forge cannot list the open pull requests; previews are kept as they are", ["error": "\(error)", "trigger": trigger])
                }
            } else {
                try store.observePullRequestHeads(snapshot.pullHeads, defaultBase: defaultBranch, now: now)
                try store.closePullRequests(notIn: Set(snapshot.pullHeads.keys), seenBefore: listedFrom)
            }
            inputs = try desiredInputs(snapshot: snapshot, pullRequests: unknown == nil ? store.pullRequests() : [])
            inputs.pullRequestsUnknown = unknown
            current = CurrentState(environments: try store.environments().map(\.current), pendingJobs: try store.pendingJobs().map(\.pending))
        }
        var plan = Plan(actions: [])
        timings["plan"] = Self.measure { plan = Planner.plan(desired: inputs, current: current, now: now) }
        var enqueued: [JobRecord] = []
        timings["enqueue"] = try Self.measure { enqueued = try store.enqueue(plan.changes, trigger: trigger, now: now) }
        for job in enqueued {
            logger.info("job queued", ["env": job.environment, "job.kind": job.kind.rawValue, "sha": job.sha ?? "",
                                        "reason": job.reason, "trigger": trigger])
        }
        for note in plan.notes { logger.info(note) }
        for action in plan.actions where action.kind == .none && action.environment.hasPrefix("branch ") && action.reason.contains("are invalid") {
            // (Under `lock`, held for the rest of this reconcile.)
            let key = action.environment + "@" + (action.sha ?? "")
            let fresh = !reportedInvalidSpecs.contains(key)
            if fresh {
                reportedInvalidSpecs.append(key)
                if reportedInvalidSpecs.count > 256 { reportedInvalidSpecs.removeFirst() }
            }
            if fresh { logger.warning("nothing deploys from this branch: its environment specs are invalid", ["reason": action.reason]) }
        }
        if !enqueued.isEmpty { onEnqueue?(enqueued) }
        onPlan?(plan)
        return ReconcileResult(plan: plan, enqueued: enqueued, timings: timings)
    }

    /// Fetches; when the remote cannot be reached the plan comes from the mirror as it is (the
    /// failure is logged, and `/readyz` reports it from `ManagedRepository.fetchFailure`).
    private func fetchOrKeepMirror(trigger: String) {
        do {
            try repository.fetch()
        } catch {
            logger.warning("cannot fetch; planning from the mirror as it is", ["error": "\(error)", "trigger": trigger])
        }
    }

    /// The forge's open pull requests, or why they are unknown (5xx, network, rate limit, a 404,
    /// anything): the caller must never read a failure as "no PR is open".
    static func listOpenPullRequests(_ source: any PullRequestSource) -> Result<[PullRequestRecord], any Error> {
        Result { try source.openPullRequests() }
    }

    /// The plan as it would be now, changing nothing (`slipway plan`).
    public func preview(now: Date = Date()) throws -> Plan {
        // The forge's listing, outside the lock (network I/O).
        var open: [PullRequestRecord]?
        var unknown: String?
        if let source = pullRequestSource {
            switch Self.listOpenPullRequests(source) {
            case .success(let records): open = records
            case .failure(let error): unknown = "\(error)"
            }
        }
        lock.lock()
        defer { lock.unlock() }
        let snapshot = try repository.withRepository { try reader.snapshot($0) }
        let records = unknown != nil ? [] : Self.merge(records: try store.pullRequests(), open: open,
                                                       pullHeads: snapshot.pullHeads, defaultBase: defaultBranch, now: now)
        var inputs = try desiredInputs(snapshot: snapshot, pullRequests: records)
        inputs.pullRequestsUnknown = unknown
        let current = CurrentState(environments: try store.environments().map(\.current), pendingJobs: try store.pendingJobs().map(\.pending))
        return Planner.plan(desired: inputs, current: current, now: now)
    }

    /// What `observePullRequestHead` and `closePullRequests` would store, computed in memory.
    static func merge(records: [PullRequestRecord], open: [PullRequestRecord]?, pullHeads: [Int: String], defaultBase: String,
                      now: Date) -> [PullRequestRecord] {
        var byNumber = Dictionary(records.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        if let open {
            for var record in open {
                if let stored = byNumber[record.number] {
                    record.labelHeads = stored.labelHeads
                    if stored.headSHA == record.headSHA { record.headSeenAt = stored.headSeenAt }
                }
                byNumber[record.number] = record
            }
            let openNumbers = Set(open.map(\.number))
            for (number, record) in byNumber where record.state == .open && !openNumbers.contains(number) {
                byNumber[number]?.state = .closed
            }
            for (number, sha) in pullHeads where byNumber[number]?.state == .open && byNumber[number]?.headSHA != sha {
                byNumber[number]?.headSHA = sha
                byNumber[number]?.headSeenAt = now
            }
            return byNumber.values.sorted { $0.number < $1.number }
        }
        for (number, sha) in pullHeads {
            if var record = byNumber[number] {
                if record.headSHA != sha {
                    record.headSHA = sha
                    record.headSeenAt = now
                }
                byNumber[number] = record
            } else {
                byNumber[number] = PullRequestRecord(number: number, state: .open, headSHA: sha, baseRef: defaultBase, headSeenAt: now)
            }
        }
        for (number, record) in byNumber where record.state == .open && pullHeads[number] == nil {
            byNumber[number]?.state = .closed
        }
        return byNumber.values.sorted { $0.number < $1.number }
    }

    /// The one place that decides which commit a spec is read at: a preview's policy comes from
    /// the tip of its PR's base branch (never from the PR's head, whose code is under review);
    /// a branch environment's from the commit it deploys (merged code).
    func desiredInputs(snapshot: RefSnapshot, pullRequests: [PullRequestRecord]) throws -> DesiredInputs {
        try repository.withRepository { repo in
            var inputs = DesiredInputs(grants: grants, forgeConfigured: forgeConfigured,
                                       promotions: try store.approvedPromotions(), pins: try store.pins())
            // What runs where, as code (promotions compare code, not specs).
            for env in try store.environments() where env.status.isLive {
                if let id = ObjectID(hex: env.sha), let code = try? reader.contentHash(repo, commit: id) {
                    inputs.codeIDs[env.sha] = code
                }
            }
            for record in pullRequests where record.state == .open {
                // The bot's own docs proposal is not an environment.
                if BotBranches.isDocsProposal(headRef: record.headRef, provenance: record.provenance) { continue }
                let sha = snapshot.pullHeads[record.number] ?? record.headSHA
                var info = record.info
                info.headSHA = sha
                guard let baseSHA = snapshot.branches[record.baseRef] else {
                    inputs.pullRequests.append(Candidate(source: .pullRequest(info), sha: sha, specSHA: nil,
                                                         specs: .invalid(["the base branch '\(record.baseRef)' does not exist in the repository"])))
                    continue
                }
                var specs: SpecsAtCommit
                var proposed: [String]?
                do {
                    specs = try reader.specs(repo, policyAt: baseSHA, codeAt: sha)
                    if try changesSpecs(repo, head: sha, baseTip: baseSHA) {
                        proposed = try reader.problems(repo, at: sha)
                    }
                } catch {
                    specs = .invalid(["cannot read commit \(sha.prefix(7)) or its base \(baseSHA.prefix(7)): \(error)"])
                }
                inputs.pullRequests.append(Candidate(source: .pullRequest(info), sha: sha, specSHA: baseSHA, specs: specs,
                                                     proposedSpecProblems: proposed))
            }
            // Branches that a staging spec on the default branch follows.
            guard let mainSHA = snapshot.branches[defaultBranch] else { return inputs }
            let mainSpecs = try reader.specs(repo, at: mainSHA)
            var patterns: [Glob] = []
            if case .specs(let specs) = mainSpecs {
                // Every branch environment (staging, production, the steps of a promotion chain)
                // follows a branch named by the default branch's (trusted) specs.
                patterns = specs.compactMap { $0.spec.kind != .preview ? $0.spec.match.branch.map(Glob.init) : nil }
            } else {
                inputs.branches.append(Candidate(source: .branch(name: defaultBranch), sha: mainSHA, specs: mainSpecs))
            }
            for (branch, sha) in snapshot.branches.sorted(by: { $0.key < $1.key }) where patterns.contains(where: { $0.matches(branch) }) {
                inputs.branches.append(Candidate(source: .branch(name: branch), sha: sha, specSHA: sha, specs: try reader.specs(repo, at: sha)))
            }
            return inputs
        }
    }

    /// Whether the PR's head changes `environments/` against where it branched from (its merge
    /// base with the base tip), so a base that moved on does not count as the PR's change.
    private func changesSpecs(_ repo: Repository, head: String, baseTip: String) throws -> Bool {
        let headTree = try reader.environmentsTree(repo, at: head)
        if headTree == (try reader.environmentsTree(repo, at: baseTip)) { return false }
        let key = "\(head) \(baseTip)"
        if let known = proposesSpecChanges[key] { return known }
        var changes = true
        if let headID = ObjectID(hex: head), let baseID = ObjectID(hex: baseTip), let fork = try repo.mergeBase(headID, baseID) {
            changes = headTree != (try reader.environmentsTree(repo, at: fork.hex))
        }
        if proposesSpecChanges.count >= 4096 { proposesSpecChanges.removeAll(keepingCapacity: true) }
        proposesSpecChanges[key] = changes
        return changes
    }

    static func measure(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}
