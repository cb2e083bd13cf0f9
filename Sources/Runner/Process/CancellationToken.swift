import Foundation

/// Asks a running job to stop: set from the lease keeper (a newer SHA asked the store to cancel,
/// or the lease was lost) or at shutdown; read by the loops that supervise child processes.
///
/// A token may also carry a deadline (the end of the job's lease less the time a stop takes):
/// once it passes, the token reads as cancelled with cause `leaseLost`, without any thread
/// having to notice — a worker whose renewals hang in an unreachable store still stops its job
/// before another worker may take it.
final class CancellationToken: @unchecked Sendable {
    /// Why the job stops; decides what is recorded for it.
    enum Cause: Sendable, Equatable {
        /// A newer job for the environment was queued: the job ends `cancelled`.
        case superseded
        /// The bot stops: the job goes back to the queue.
        case stopping
        /// The lease could not be renewed in time (or was taken): the job's run writes nothing more.
        case leaseLost
    }

    private let lock = NSLock()
    private var why: (cause: Cause, reason: String)?
    private var deadline: (date: Date, reason: String)?

    func cancel(_ cause: Cause, _ reason: String) {
        lock.lock()
        if why == nil { why = (cause, reason) }
        lock.unlock()
    }

    /// From `date` on, the token is cancelled (`leaseLost`, `reason`) unless moved again.
    func expire(at date: Date, _ reason: String) {
        lock.lock()
        deadline = (date, reason)
        lock.unlock()
    }

    private var current: (cause: Cause, reason: String)? {
        lock.lock()
        defer { lock.unlock() }
        if why == nil, let deadline, Date() >= deadline.date { why = (.leaseLost, deadline.reason) }
        return why
    }

    /// The reason, once cancelled.
    var reason: String? { current?.reason }

    var cause: Cause? { current?.cause }

    var isCancelled: Bool { current != nil }
}
