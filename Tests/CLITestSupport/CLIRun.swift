public import CommandLineKit
import Foundation
import SlipwayCLI

/// Collects what a command writes, for assertions.
public final class CapturingSink: OutputSink, @unchecked Sendable {
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

/// Runs `slipway <arguments>` in-process and returns exit code, stdout and stderr.
public func runCLI(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
    let out = CapturingSink(), err = CapturingSink()
    let code = SlipwayCLI.run(arguments: arguments, io: CommandIO(out: out, err: err))
    return (code, out.text, err.text)
}
