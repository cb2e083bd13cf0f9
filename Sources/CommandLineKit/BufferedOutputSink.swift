import Foundation

/// Collects what a command writes, to show it elsewhere (the demo) or assert on it (tests).
/// Thread-safe.
public final class BufferedOutputSink: OutputSink, @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = ""

    public init() {}

    public func write(_ text: String) {
        lock.lock()
        buffer += text
        lock.unlock()
    }

    public var text: String {
        lock.lock()
        defer { lock.unlock() }
        return buffer
    }
}
