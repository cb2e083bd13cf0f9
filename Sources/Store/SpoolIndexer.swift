import Foundation

/// Indexes journaled deliveries into the SQLite store behind the webhook's answer: a delivery is
/// answered once its record is in the spool (as durable as a commit with `synchronous=NORMAL`:
/// the spool is indexed again from its watermark at the next open), and one thread commits the
/// rows of everything appended since its last commit, in spool order, in one write of the group
/// committer.
///
/// Why: a webhook handler that waited for its row's commit held its HTTP thread through the
/// writer's queue (that wait set the tail latency), and a commit per small group of deliveries
/// wrote the same random index pages again and again (the id and body-hash indexes take a random
/// page per row).
///
/// De-duplication stays exact: a delivery id or body hash is reserved here before the store looks
/// for it in the database and stays reserved until its row is committed, so a second delivery of
/// it finds it either here or there. Bounded: at most `capacity` deliveries are reserved or
/// waiting (rows, not bodies); a handler past that waits for the indexer. While a commit fails
/// (a store that cannot be written), the thread tries again with a backoff and `reserve` has it
/// try at once, throwing the failure if that try fails too (webhooks get 503); what was queued is
/// kept, and is in the spool anyway.
final class SpoolIndexer: @unchecked Sendable {
    struct Entry: Sendable {
        let record: SpoolRecord
        /// Where the body is.
        let body: BodySpool.Location
        /// Where the record ends: the watermark once it is indexed.
        let end: BodySpool.Location
    }

    /// Commits the rows of `entries` (in spool order) and the watermark after the last one.
    typealias Commit = @Sendable (_ entries: ArraySlice<Entry>) throws -> Void

    static let maximumBatch = 1024
    /// How long the thread lets deliveries gather before it commits them, unless a reader waits
    /// (`flush`), the batch is full or the store closes: rows per commit, not commits per second,
    /// decide how many index pages each row costs.
    static let linger: TimeInterval = 0.025

    let capacity: Int
    private let commit: Commit
    private let condition = NSCondition()
    /// Appended, not yet committed, oldest first (`head` is the first live index).
    private var queue: [Entry] = []
    private var head = 0
    /// Reserved or queued ids and body hashes.
    private var ids: Set<String> = []
    private var hashes: Set<String> = []
    private var appended = 0
    private var indexed = 0
    private var failure: (any Error)?
    /// Commit tries so far, failed ones included.
    private var attempts = 0
    private var stopping = false
    private var stopped = false
    /// Readers waiting in `flush` (the thread commits without lingering while there are any).
    private var flushing = 0
    private var onCommitted: (@Sendable () -> Void)?

    init(capacity: Int = 4096, commit: @escaping Commit) {
        self.capacity = capacity
        self.commit = commit
        let thread = Thread { [self] in run() }
        thread.name = "slipway-journal-indexer"
        thread.start()
    }

    /// Runs after each commit of deliveries (wakes the delivery workers).
    func observe(_ hook: @escaping @Sendable () -> Void) {
        condition.withLock { onCommitted = hook }
    }

    /// How long a delivery waits for the commit it asked for while the last one failed.
    static let retryWait: TimeInterval = 2

    /// Reserves `id` and `hash` for a delivery about to be journaled; false when either is
    /// reserved or waiting already (a duplicate). Waits while `capacity` deliveries are; throws
    /// while commits fail or once the store is closing. After a failed commit it has the thread
    /// try again at once and waits for that try (up to `retryWait`), so the first delivery after
    /// the store came back is taken instead of refused until the backoff ends.
    func reserve(id: String, hash: String?) throws -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if stopping { throw StoreError(operation: "write", message: "the store is closing") }
            if failure != nil { retryNow() }
            if let failure { throw failure }
            if ids.contains(id) || hash.map(hashes.contains) == true { return false }
            if ids.count < capacity { break }
            condition.wait()
        }
        ids.insert(id)
        if let hash { hashes.insert(hash) }
        return true
    }

    /// With the lock held: wakes the thread from its backoff, without lingering, and waits
    /// for its next try.
    private func retryNow() {
        let attempt = attempts
        flushing += 1
        condition.broadcast()
        let deadline = Date().addingTimeInterval(Self.retryWait)
        while attempts == attempt && !stopped && condition.wait(until: deadline) {}
        flushing -= 1
    }

    /// Gives back a reservation that was not appended (a duplicate found in the database, an
    /// append that failed).
    func release(id: String, hash: String?) {
        condition.lock()
        ids.remove(id)
        if let hash { hashes.remove(hash) }
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a reserved delivery whose record was appended; called under the spool's lock, so
    /// the queue is in spool order.
    func enqueue(_ entry: Entry) {
        condition.lock()
        queue.append(entry)
        appended += 1
        let queued = queue.count - head
        if queued == 1 || queued == Self.maximumBatch { condition.broadcast() }
        condition.unlock()
    }

    /// Whether a delivery with this id is reserved or waiting for its row.
    func isPending(id: String) -> Bool {
        condition.withLock { ids.contains(id) }
    }

    /// Deliveries appended and not yet committed.
    var waiting: Int {
        condition.withLock { appended - indexed }
    }

    /// Returns once every delivery appended before the call is committed, or commits fail, or
    /// the indexer stopped: reads after it see what was answered `202` before it.
    func flush() {
        condition.lock()
        defer { condition.unlock() }
        let target = appended
        guard indexed < target else { return }
        flushing += 1
        condition.broadcast()
        while indexed < target && failure == nil && !stopped {
            condition.wait()
        }
        flushing -= 1
    }

    /// Commits what is queued (one try), then stops the thread. What could not be committed is
    /// indexed from the spool at the next open.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        var backoff = 0.05
        condition.lock()
        while true {
            while queue.count == head && !stopping { condition.wait() }
            if queue.count == head { break }
            let gathered = Date().addingTimeInterval(Self.linger)
            while !stopping && flushing == 0 && queue.count - head < Self.maximumBatch,
                  condition.wait(until: gathered) {}
            let batch = queue[head..<min(queue.count, head + Self.maximumBatch)]
            condition.unlock()
            let outcome = Result { try commit(batch) }
            condition.lock()
            attempts += 1
            if case .failure(let error) = outcome {
                failure = error
                condition.broadcast()
                if stopping { break }
                _ = condition.wait(until: Date().addingTimeInterval(backoff))
                backoff = min(backoff * 2, 5)
                continue
            }
            backoff = 0.05
            failure = nil
            head += batch.count
            for entry in batch {
                ids.remove(entry.record.id)
                if let hash = entry.record.bodySHA256 { hashes.remove(hash) }
            }
            indexed += batch.count
            // Drop the committed prefix now and then, not per batch (a copy of what waits).
            if head >= 4096 || head == queue.count {
                queue.removeFirst(head)
                head = 0
            }
            condition.broadcast()
            let hook = onCommitted
            condition.unlock()
            hook?()
            condition.lock()
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
