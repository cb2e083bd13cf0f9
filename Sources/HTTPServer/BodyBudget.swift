import Synchronization

/// The bytes of request bodies buffered across all connections before their handlers have run,
/// against a fixed limit: a request reserves its declared `Content-Length` (or, chunked, each
/// piece as it arrives) before any of it is kept, and gives it back once its handler returned or
/// the connection ended. Lock-free: safe to use from every worker thread.
final class BodyBudget: Sendable {
    /// The most bytes reserved at once.
    let limit: Int
    private let used = Atomic<Int>(0)
    private let peak = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Reserves `bytes` if they fit in what is left; false (nothing reserved) when they do not.
    func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        var current = used.load(ordering: .relaxed)
        while true {
            guard bytes <= limit - current else { return false }
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + bytes, ordering: .acquiringAndReleasing)
            if exchanged {
                peak.max(current + bytes, ordering: .relaxed)
                return true
            }
            current = original
        }
    }

    /// Gives back `bytes` reserved earlier.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.subtract(bytes, ordering: .acquiringAndReleasing)
    }

    /// Bytes reserved right now.
    var inUse: Int { used.load(ordering: .acquiring) }

    /// The most bytes ever reserved at once (what the bound held to).
    var highWaterMark: Int { peak.load(ordering: .acquiring) }
}
