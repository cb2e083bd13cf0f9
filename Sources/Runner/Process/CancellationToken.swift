import Foundation

/// Asks a running job to stop: set from the lease keeper (a newer SHA asked the store to cancel,
/// or the lease was lost) or at shutdown; read by the loops that supervise child processes.
final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var why: String?

    func cancel(_ reason: String) {
        lock.lock()
        if why == nil { why = reason }
        lock.unlock()
    }

    /// The reason, once cancelled.
    var reason: String? {
        lock.lock()
        defer { lock.unlock() }
        return why
    }

    var isCancelled: Bool { reason != nil }
}
