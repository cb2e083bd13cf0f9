public import Foundation
public import SlipwayCore

/// Slipway's state: one narrow protocol with interchangeable SQLite (embedded default) and
/// PostgreSQL (several replicas sharing one queue) backends. Every method is blocking and
/// safe to call from several threads; callers run them off the cooperative pool.
public protocol Store: AnyObject, Sendable {
    /// A short name for logs and `/readyz` (`sqlite`, `postgres`).
    var backendName: String { get }

    /// Checks the backend answers (used by `/readyz`).
    func ping() throws

    /// Checks the store can be written now, not only reached (one small write): fails with the
    /// reason when the store is read-only, full, or (SQLite) its file was deleted or replaced.
    /// `/readyz` fails with it.
    func checkWritable() throws

    // MARK: Retention

    /// Forgets finished deliveries (and their bodies) that finished before `cutoff`, a few hundred
    /// per transaction. Pending and processing ones are never removed. Returns how many went.
    @discardableResult
    func pruneDeliveries(finishedBefore cutoff: Date) throws -> Int

    /// Forgets finished jobs (succeeded, failed, cancelled, superseded) that finished before
    /// `cutoff`, except each environment's newest job. Returns how many went.
    @discardableResult
    func pruneJobs(finishedBefore cutoff: Date) throws -> Int

    // MARK: Delivery journal

    /// Journals a verified delivery durably, de-duplicated by its id. Returns only once the
    /// delivery would survive a crash of this process. A store may make it claimable a moment
    /// later (SQLite indexes it from its spool): `observeJournal` says when; reads of deliveries
    /// see it at once.
    func journal(_ delivery: NewDelivery) throws -> JournalOutcome

    /// Runs `hook` whenever journaled deliveries became claimable after `journal` returned (a
    /// store whose `journal` makes them claimable before returning never calls it).
    func observeJournal(_ hook: @escaping @Sendable () -> Void)

    /// Takes the oldest delivery that is pending (or whose lease expired) for `owner`, leasing it
    /// until `now + lease`. Each call hands a delivery to one caller only, across replicas.
    func claimDelivery(owner: String, lease: TimeInterval, now: Date) throws -> DeliveryRecord?

    /// Takes up to `limit` of the oldest claimable deliveries at once, in journal order, each as
    /// `claimDelivery` would (one commit for the lot where the store can).
    func claimDeliveries(owner: String, lease: TimeInterval, now: Date, limit: Int) throws -> [DeliveryRecord]

    /// Records how processing ended for several deliveries of `owner` at once, each as
    /// `finishDelivery` would (one commit for the lot where the store can).
    func finishDeliveries(_ results: [(id: String, result: DeliveryResult)], owner: String, now: Date) throws

    /// Processing failed and will be tried again: the lease is kept until `until` (a backoff) and
    /// the error kept as the reason. Only the lease owner can postpone.
    func postponeDelivery(id: String, owner: String, until: Date, reason: String) throws

    /// Records how processing ended; only the lease owner's result is kept.
    func finishDelivery(id: String, owner: String, result: DeliveryResult, now: Date) throws

    /// Puts back every delivery leased by a worker of `instance` (lease owners are
    /// `<instance>/<worker>`): called when that instance starts again after dying, so its work
    /// is not held until the leases expire. Returns how many were released.
    func releaseDeliveries(ownedBy instance: String) throws -> Int

    /// One delivery with its body, or nil.
    func delivery(id: String) throws -> DeliveryRecord?

    /// The newest deliveries first, without bodies.
    func deliveries(limit: Int) throws -> [DeliveryRecord]

    /// Puts a delivery back into the queue so it is processed again. False if unknown.
    func replayDelivery(id: String) throws -> Bool

    /// How many deliveries wait for a worker (pending or processing).
    func journalDepth() throws -> Int

    /// Whether any delivery waits for a worker (pending or processing): `journalDepth() > 0`,
    /// answered without counting them all (asked after every delivery while a burst drains).
    func hasWaitingDeliveries() throws -> Bool

    // MARK: Pull requests

    /// Applies metadata from the forge or a webhook. Ignored (false) when the record's
    /// `updatedAt` is older than what is stored: deliveries may arrive out of order. A new head
    /// keeps `headSeenAt` from the record; an unchanged head keeps the stored one.
    @discardableResult
    func recordPullRequest(_ pr: PullRequestRecord) throws -> Bool

    /// Records what git says: PR `number`'s head ref points at `sha`. Creates an open PR into
    /// `defaultBase` when the PR is unknown; a new head restarts `headSeenAt` (and leaves a fork's
    /// trust behind, since `labelHeads` names the old head).
    func observePullRequestHead(number: Int, sha: String, defaultBase: String, now: Date) throws

    /// `observePullRequestHead` for many PRs in one transaction (a reconcile sees every head at
    /// once); heads already known are not written again.
    func observePullRequestHeads(_ heads: [Int: String], defaultBase: String, now: Date) throws

    /// Marks PRs whose head ref disappeared from git as closed (no forge configured).
    func closePullRequests(notIn numbers: Set<Int>, seenBefore: Date) throws

    func pullRequests() throws -> [PullRequestRecord]

    // MARK: Environments

    func environments() throws -> [EnvironmentRecord]
    func environment(named name: String) throws -> EnvironmentRecord?
    func saveEnvironment(_ environment: EnvironmentRecord) throws
    /// Saves the record only while `lease` still holds its job (running, same owner, same
    /// attempt): what a job's run writes. False (nothing written) for a stale worker.
    @discardableResult
    func saveEnvironment(_ environment: EnvironmentRecord, holding lease: JobLease) throws -> Bool

    // MARK: Jobs

    /// Turns planned actions into queued jobs in one transaction. A new deploy supersedes queued
    /// jobs of the same environment and asks a running one to cancel; an action whose content is
    /// already queued or running is skipped. Returns the jobs created.
    @discardableResult
    func enqueue(_ actions: [PlannedAction], trigger: String, now: Date) throws -> [JobRecord]

    /// Jobs queued or running.
    func pendingJobs() throws -> [JobRecord]

    /// The newest jobs first.
    func jobs(limit: Int) throws -> [JobRecord]

    func job(id: Int64) throws -> JobRecord?

    /// Takes the oldest queued job (or a running one whose lease expired) whose environment has
    /// no other job running: one environment never has two jobs running at once.
    func claimJob(owner: String, lease: TimeInterval, now: Date) throws -> JobRecord?

    /// Extends the lease of a running job; false when the job is no longer this owner's.
    func renewJobLease(id: Int64, owner: String, until: Date) throws -> Bool

    /// Records the end of a job run by `owner`.
    func finishJob(id: Int64, owner: String, status: JobRecord.Status, error: String?, now: Date) throws

    /// Extends the lease of the run `lease`; false when the job is no longer held by it (finished,
    /// put back, or taken by another worker after the lease expired).
    func renewJobLease(_ lease: JobLease, until: Date) throws -> Bool

    /// Records the end of the run `lease`; false (nothing written) when the run no longer holds
    /// the job.
    @discardableResult
    func finishJob(_ lease: JobLease, status: JobRecord.Status, error: String?, now: Date) throws -> Bool

    /// A graceful stop: puts the job of the run `lease` back into the queue (lease cleared), and
    /// the run does not count against the attempt limit. False when the run no longer holds it.
    @discardableResult
    func requeueJob(_ lease: JobLease) throws -> Bool

    /// How many jobs are in each status (`/metrics`).
    func jobCounts() throws -> [JobRecord.Status: Int]

    /// Puts back every job leased by a worker of `instance` (owners `<instance>/<worker>`), when
    /// that instance starts again after dying. Returns how many.
    func releaseJobs(ownedBy instance: String) throws -> Int

    // MARK: Small state

    /// Sets (or, with nil, removes) a value in the key-value table (comment sections, forge
    /// update queue state).
    func setValue(_ value: String?, forKey key: String) throws
    func value(forKey key: String) throws -> String?
    /// Every key starting with `prefix`, with its value.
    func values(withPrefix prefix: String) throws -> [String: String]
    /// A counter shared by every replica: each call returns a larger number.
    func nextCounter(_ name: String) throws -> Int64

    // MARK: Evidence index

    /// Adds (or replaces, by id) records committed to the evidence branch.
    func indexEvidence(_ entries: [EvidenceIndexEntry]) throws

    /// The newest records first, of one environment or of all.
    func evidence(environment: String?, limit: Int) throws -> [EvidenceIndexEntry]
    /// Newest first, optionally only records started at or after `since` and strictly before the
    /// position `before` (`started_at`, `id`): keyset pagination for the API.
    func evidence(environment: String?, since: Date?, before: (startedAt: Date, id: String)?, limit: Int) throws -> [EvidenceIndexEntry]

    func evidence(id: String) throws -> EvidenceIndexEntry?

    /// Records that started before `cutoff`, oldest first (what a prune removes).
    func evidence(startedBefore cutoff: Date) throws -> [EvidenceIndexEntry]

    /// Forgets the records in `paths` (folders on the evidence branch) and, with a cutoff, every
    /// record that started before it. Returns how many rows went.
    @discardableResult
    func removeEvidence(paths: [String], startedBefore cutoff: Date?) throws -> Int

    /// Records that the logs of the records at these paths changed (compressed), in `commit`.
    func updateEvidenceLogs(_ logsByPath: [String: [String]], commit: String) throws

    /// Empties the evidence index and its derived tables, then indexes `entries` (what
    /// `slipway evidence reindex` read from the evidence branch).
    func replaceEvidenceIndex(_ entries: [EvidenceIndexEntry]) throws

    // MARK: Evidence and graph tables (docs/sql.md)

    /// The `deployments` rows (filled by `indexEvidence`), newest first.
    func deployments(environment: String?, limit: Int) throws -> [DeploymentRow]
    /// The `builds` rows of one record in step order, or of all records newest first.
    func builds(evidenceID: String?, limit: Int) throws -> [BuildRow]

    /// Stores the knowledge graph of `commit` as a new snapshot and returns its id; when the
    /// newest snapshot already is of `commit` with the same nodes and edges, returns its id
    /// and stores nothing.
    @discardableResult
    func recordGraphSnapshot(_ snapshot: GraphSnapshot) throws -> Int64
    /// Snapshots newest first (without nodes and edges).
    func graphSnapshots(limit: Int) throws -> [GraphSnapshot]
    /// One snapshot with its nodes and edges.
    func graphSnapshot(id: Int64) throws -> GraphSnapshot?
}

extension Store {
    public func observeJournal(_ hook: @escaping @Sendable () -> Void) {}

    public func hasWaitingDeliveries() throws -> Bool {
        try journalDepth() > 0
    }

    public func claimDeliveries(owner: String, lease: TimeInterval, now: Date, limit: Int) throws -> [DeliveryRecord] {
        var claimed: [DeliveryRecord] = []
        while claimed.count < limit, let delivery = try claimDelivery(owner: owner, lease: lease, now: now) {
            claimed.append(delivery)
        }
        return claimed
    }

    public func finishDeliveries(_ results: [(id: String, result: DeliveryResult)], owner: String, now: Date) throws {
        for (id, result) in results {
            try finishDelivery(id: id, owner: owner, result: result, now: now)
        }
    }
}
