import Foundation

/// Bounds how often a noisy log line is written: at most `limit` lines per `interval`; the
/// lines dropped in between are counted and reported with the next line written. A flood of bad
/// requests then costs a few log lines a second, not one each.
final class LogThrottle: @unchecked Sendable {
    private let limit: Int
    private let interval: TimeInterval
    private let lock = NSLock()
    private var windowStart = Date.distantPast
    private var written = 0
    private var suppressed = 0

    init(limit: Int = 10, interval: TimeInterval = 1) {
        self.limit = limit
        self.interval = interval
    }

    /// Whether to write this line now, and how many were dropped since the last one written.
    func admit(now: Date = Date()) -> (write: Bool, suppressed: Int) {
        lock.lock()
        defer { lock.unlock() }
        if now.timeIntervalSince(windowStart) >= interval {
            windowStart = now
            written = 0
        }
        guard written < limit else {
            suppressed += 1
            return (false, 0)
        }
        written += 1
        let dropped = suppressed
        suppressed = 0
        return (true, dropped)
    }
}
