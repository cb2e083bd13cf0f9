import Foundation
import SlipwayCore
import Store

/// A real store behind a gate, to play "the store is unreachable" for one runner: while the gate
/// is closed, every call of that runner blocks (as a hung connection would) until it opens.
/// Everything else goes to the real SQLite store unchanged.
final class GatedStore: Store, @unchecked Sendable {
    let base: any Store
    let gate = Gate()

    init(_ base: any Store) {
        self.base = base
    }

    var backendName: String { base.backendName }

    func ping() throws {
        try gate.pass()
        return try base.ping()
    }

    @discardableResult
    func journal(_ delivery: NewDelivery) throws -> JournalOutcome {
        try gate.pass()
        return try base.journal(delivery)
    }

    @discardableResult
    func claimDelivery(owner: String, lease: TimeInterval, now: Date) throws -> DeliveryRecord? {
        try gate.pass()
        return try base.claimDelivery(owner: owner, lease: lease, now: now)
    }

    func postponeDelivery(id: String, owner: String, until: Date, reason: String) throws {
        try gate.pass()
        return try base.postponeDelivery(id: id, owner: owner, until: until, reason: reason)
    }

    func finishDelivery(id: String, owner: String, result: DeliveryResult, now: Date) throws {
        try gate.pass()
        return try base.finishDelivery(id: id, owner: owner, result: result, now: now)
    }

    @discardableResult
    func releaseDeliveries(ownedBy instance: String) throws -> Int {
        try gate.pass()
        return try base.releaseDeliveries(ownedBy: instance)
    }

    @discardableResult
    func delivery(id: String) throws -> DeliveryRecord? {
        try gate.pass()
        return try base.delivery(id: id)
    }

    @discardableResult
    func deliveries(limit: Int) throws -> [DeliveryRecord] {
        try gate.pass()
        return try base.deliveries(limit: limit)
    }

    @discardableResult
    func replayDelivery(id: String) throws -> Bool {
        try gate.pass()
        return try base.replayDelivery(id: id)
    }

    @discardableResult
    func journalDepth() throws -> Int {
        try gate.pass()
        return try base.journalDepth()
    }

    @discardableResult
    func recordPullRequest(_ pr: PullRequestRecord) throws -> Bool {
        try gate.pass()
        return try base.recordPullRequest(pr)
    }

    func observePullRequestHead(number: Int, sha: String, defaultBase: String, now: Date) throws {
        try gate.pass()
        return try base.observePullRequestHead(number: number, sha: sha, defaultBase: defaultBase, now: now)
    }

    func observePullRequestHeads(_ heads: [Int: String], defaultBase: String, now: Date) throws {
        try gate.pass()
        return try base.observePullRequestHeads(heads, defaultBase: defaultBase, now: now)
    }

    func closePullRequests(notIn numbers: Set<Int>, seenBefore: Date) throws {
        try gate.pass()
        return try base.closePullRequests(notIn: numbers, seenBefore: seenBefore)
    }

    @discardableResult
    func pullRequests() throws -> [PullRequestRecord] {
        try gate.pass()
        return try base.pullRequests()
    }

    @discardableResult
    func environments() throws -> [EnvironmentRecord] {
        try gate.pass()
        return try base.environments()
    }

    @discardableResult
    func environment(named name: String) throws -> EnvironmentRecord? {
        try gate.pass()
        return try base.environment(named: name)
    }

    func saveEnvironment(_ environment: EnvironmentRecord) throws {
        try gate.pass()
        return try base.saveEnvironment(environment)
    }

    @discardableResult
    func saveEnvironment(_ environment: EnvironmentRecord, holding lease: JobLease) throws -> Bool {
        try gate.pass()
        return try base.saveEnvironment(environment, holding: lease)
    }

    @discardableResult
    func enqueue(_ actions: [PlannedAction], trigger: String, now: Date) throws -> [JobRecord] {
        try gate.pass()
        return try base.enqueue(actions, trigger: trigger, now: now)
    }

    @discardableResult
    func pendingJobs() throws -> [JobRecord] {
        try gate.pass()
        return try base.pendingJobs()
    }

    @discardableResult
    func jobs(limit: Int) throws -> [JobRecord] {
        try gate.pass()
        return try base.jobs(limit: limit)
    }

    @discardableResult
    func job(id: Int64) throws -> JobRecord? {
        try gate.pass()
        return try base.job(id: id)
    }

    @discardableResult
    func claimJob(owner: String, lease: TimeInterval, now: Date) throws -> JobRecord? {
        try gate.pass()
        return try base.claimJob(owner: owner, lease: lease, now: now)
    }

    @discardableResult
    func renewJobLease(id: Int64, owner: String, until: Date) throws -> Bool {
        try gate.pass()
        return try base.renewJobLease(id: id, owner: owner, until: until)
    }

    func finishJob(id: Int64, owner: String, status: JobRecord.Status, error: String?, now: Date) throws {
        try gate.pass()
        return try base.finishJob(id: id, owner: owner, status: status, error: error, now: now)
    }

    @discardableResult
    func renewJobLease(_ lease: JobLease, until: Date) throws -> Bool {
        try gate.pass()
        let renewed = try base.renewJobLease(lease, until: until)
        lock.lock()
        renewals.append((lease, renewed))
        lock.unlock()
        return renewed
    }

    private let lock = NSLock()
    private var renewals: [(JobLease, Bool)] = []

    /// The fenced renewals that went through, and whether each renewed.
    var renewed: [(lease: JobLease, renewed: Bool)] {
        lock.lock()
        defer { lock.unlock() }
        return renewals.map { (lease: $0.0, renewed: $0.1) }
    }

    @discardableResult
    func finishJob(_ lease: JobLease, status: JobRecord.Status, error: String?, now: Date) throws -> Bool {
        try gate.pass()
        return try base.finishJob(lease, status: status, error: error, now: now)
    }

    @discardableResult
    func requeueJob(_ lease: JobLease) throws -> Bool {
        try gate.pass()
        return try base.requeueJob(lease)
    }

    @discardableResult
    func jobCounts() throws -> [JobRecord.Status: Int] {
        try gate.pass()
        return try base.jobCounts()
    }

    @discardableResult
    func releaseJobs(ownedBy instance: String) throws -> Int {
        try gate.pass()
        return try base.releaseJobs(ownedBy: instance)
    }

    func setValue(_ value: String?, forKey key: String) throws {
        try gate.pass()
        return try base.setValue(value, forKey: key)
    }

    @discardableResult
    func value(forKey key: String) throws -> String? {
        try gate.pass()
        return try base.value(forKey: key)
    }

    @discardableResult
    func values(withPrefix prefix: String) throws -> [String: String] {
        try gate.pass()
        return try base.values(withPrefix: prefix)
    }

    @discardableResult
    func nextCounter(_ name: String) throws -> Int64 {
        try gate.pass()
        return try base.nextCounter(name)
    }

    func indexEvidence(_ entries: [EvidenceIndexEntry]) throws {
        try gate.pass()
        return try base.indexEvidence(entries)
    }

    func replaceEvidenceIndex(_ entries: [EvidenceIndexEntry]) throws {
        try gate.pass()
        try base.replaceEvidenceIndex(entries)
    }

    func deployments(environment: String?, limit: Int) throws -> [DeploymentRow] {
        try gate.pass()
        return try base.deployments(environment: environment, limit: limit)
    }

    func builds(evidenceID: String?, limit: Int) throws -> [BuildRow] {
        try gate.pass()
        return try base.builds(evidenceID: evidenceID, limit: limit)
    }

    @discardableResult
    func recordGraphSnapshot(_ snapshot: GraphSnapshot) throws -> Int64 {
        try gate.pass()
        return try base.recordGraphSnapshot(snapshot)
    }

    func graphSnapshots(limit: Int) throws -> [GraphSnapshot] {
        try gate.pass()
        return try base.graphSnapshots(limit: limit)
    }

    func graphSnapshot(id: Int64) throws -> GraphSnapshot? {
        try gate.pass()
        return try base.graphSnapshot(id: id)
    }

    @discardableResult
    func evidence(environment: String?, limit: Int) throws -> [EvidenceIndexEntry] {
        try gate.pass()
        return try base.evidence(environment: environment, limit: limit)
    }

    func evidence(environment: String?, since: Date?, before: (startedAt: Date, id: String)?, limit: Int) throws -> [EvidenceIndexEntry] {
        try gate.pass()
        return try base.evidence(environment: environment, since: since, before: before, limit: limit)
    }

    @discardableResult
    func evidence(id: String) throws -> EvidenceIndexEntry? {
        try gate.pass()
        return try base.evidence(id: id)
    }

    @discardableResult
    func evidence(startedBefore cutoff: Date) throws -> [EvidenceIndexEntry] {
        try gate.pass()
        return try base.evidence(startedBefore: cutoff)
    }

    @discardableResult
    func removeEvidence(paths: [String], startedBefore cutoff: Date?) throws -> Int {
        try gate.pass()
        return try base.removeEvidence(paths: paths, startedBefore: cutoff)
    }

    func updateEvidenceLogs(_ logsByPath: [String: [String]], commit: String) throws {
        try gate.pass()
        return try base.updateEvidenceLogs(logsByPath, commit: commit)
    }

    func checkWritable() throws {
        try gate.pass()
        try base.checkWritable()
    }

    func pruneDeliveries(finishedBefore cutoff: Date) throws -> Int {
        try gate.pass()
        return try base.pruneDeliveries(finishedBefore: cutoff)
    }

    func pruneJobs(finishedBefore cutoff: Date) throws -> Int {
        try gate.pass()
        return try base.pruneJobs(finishedBefore: cutoff)
    }
}

/// Closed: callers wait in `pass()` until it opens again. Counts who waits.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var closed = false
    private var waitingCount = 0

    func close() {
        condition.lock()
        closed = true
        condition.unlock()
    }

    func open() {
        condition.lock()
        closed = false
        condition.broadcast()
        condition.unlock()
    }

    /// How many calls wait at the gate now.
    var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return waitingCount
    }

    func pass() throws {
        condition.lock()
        waitingCount += 1
        while closed { condition.wait() }
        waitingCount -= 1
        condition.unlock()
    }
}
