import Foundation

/// Waits for an external condition (a process, a worker thread) by polling it until a deadline.
/// This is not a sleep-as-synchronisation: it returns as soon as the condition holds, and a
/// condition that never holds fails the test with `what` after `timeout`.
public enum Eventually {
    public struct TimedOut: Error, CustomStringConvertible {
        public let what: String
        public let timeout: Double
        public var description: String { "timed out after \(timeout) s waiting for \(what)" }
    }

    public static func wait(
        for what: String, timeout: Double = 10, interval: Double = 0.005,
        _ condition: () throws -> Bool
    ) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try condition() { return }
            if Date() >= deadline { throw TimedOut(what: what, timeout: timeout) }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Polls `produce` until it returns a value.
    public static func value<T>(
        of what: String, timeout: Double = 10, interval: Double = 0.005,
        _ produce: () throws -> T?
    ) throws -> T {
        var result: T?
        try wait(for: what, timeout: timeout, interval: interval) {
            result = try produce()
            return result != nil
        }
        return result!
    }
}
