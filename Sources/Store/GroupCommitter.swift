import Foundation
import SQLite

/// Group commit for every write of the SQLite store: callers on many threads hand their write
/// (a journaled delivery, a batch of claims or results, any state transaction) to one writer
/// thread, which runs everything waiting, each write in its own savepoint, in one transaction,
/// and wakes each caller with its own outcome. A caller returns only after its write is
/// committed (or failed); a write that throws is rolled back alone.
///
/// So the writer connection is only ever used by this thread (no caller holds it while the
/// webhook path waits, whatever the caller's priority), and a burst of deliveries, their claims,
/// their pull request records and their results costs a few commits instead of four each.
///
/// Wake-ups are targeted: a caller signals the writer only when it sleeps, and the writer wakes
/// exactly the callers of the batch it committed (one semaphore each). One shared condition
/// broadcast for both made every submit and every commit wake every waiting caller (with 16
/// handler threads, a fifth of the ingress CPU went to context switches). The queue holds at
/// most one write per blocked caller, so it is bounded by the callers' threads.
final class GroupCommitter: @unchecked Sendable {
    /// Runs on the writer thread after each batch, outside the queue's lock, with the bytes the
    /// batch journaled (WAL upkeep).
    typealias AfterBatch = (_ journaledBytes: Int) -> Void

    private final class Slot {
        /// Runs the write in its savepoint and keeps its result (on the writer thread). Dropped
        /// before the caller is woken: it holds the caller's non-escaping closure.
        var run: (() -> Void)?
        let journaledBytes: Int
        /// Set by the writer thread when the batch's transaction did not commit.
        var commitFailure: (any Error)?
        let done = DispatchSemaphore(value: 0)

        init(journaledBytes: Int, run: @escaping () -> Void) {
            self.journaledBytes = journaledBytes
            self.run = run
        }
    }

    private let db: SQLiteConnection
    private let afterBatch: AfterBatch
    private let condition = NSCondition()
    private var queue: [Slot] = []
    private var writerSleeping = false
    private var stopping = false
    private var stopped = false
    /// Set once before the thread starts; read to recognise a write made from inside a write.
    private var writer: Thread?
    static let maximumBatch = 256

    init(db: SQLiteConnection, afterBatch: @escaping AfterBatch = { _ in }) {
        self.db = db
        self.afterBatch = afterBatch
        let thread = Thread { [self] in run() }
        thread.name = "slipway-journal-writer"
        writer = thread
        thread.start()
    }

    /// Runs `body` in its own savepoint of the next batch's transaction on the writer thread, and
    /// returns its result once that transaction committed. `journaledBytes`: what the write
    /// appends to the log beyond a page (WAL upkeep). Called from inside a write (the writer
    /// thread), it runs at once in a nested savepoint.
    @discardableResult
    func perform<T>(journaledBytes: Int = 0, _ body: () throws -> T) throws -> T {
        let db = db
        if Thread.current === writer {
            return try db.transaction(.immediate) { try body() }
        }
        return try withoutActuallyEscaping(body) { body throws -> T in
            var result: Result<T, any Error>?
            let slot = Slot(journaledBytes: journaledBytes) {
                result = Result { try db.transaction(.immediate) { try body() } }
            }
            condition.lock()
            guard !stopping else {
                condition.unlock()
                throw StoreError(operation: "write", message: "the store is closing")
            }
            queue.append(slot)
            if writerSleeping { condition.signal() }
            condition.unlock()
            slot.done.wait()
            if let failure = slot.commitFailure { throw failure }
            return try result!.get()
        }
    }

    private func run() {
        condition.lock()
        while true {
            while queue.isEmpty && !stopping {
                writerSleeping = true
                condition.wait()
                writerSleeping = false
            }
            if queue.isEmpty && stopping { break }
            let batch = Array(queue.prefix(Self.maximumBatch))
            queue.removeFirst(batch.count)
            condition.unlock()
            do {
                try db.transaction(.immediate) {
                    for slot in batch {
                        // A write whose error ended the whole transaction (a full disk) must
                        // not let the next ones commit on their own.
                        guard db.isInTransaction else {
                            throw StoreError(operation: "write", message: "the transaction was rolled back by an earlier error")
                        }
                        slot.run?()
                    }
                }
            } catch {
                for slot in batch { slot.commitFailure = error }
            }
            for slot in batch {
                slot.run = nil
                slot.done.signal()
            }
            afterBatch(batch.reduce(0) { $0 + $1.journaledBytes })
            condition.lock()
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Commits what is queued, then stops the writer thread.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }
}
