public import Foundation

/// Time as the forge client sees it: injected so tests can check waits without waiting.
public protocol ForgeClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Blocks the calling thread (one of ours, never the cooperative pool) for `seconds`.
    func sleep(seconds: Double)
}

/// The wall clock and a real `Thread.sleep`.
public struct SystemForgeClock: ForgeClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) {
        if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
    }
}
