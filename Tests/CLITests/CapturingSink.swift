import CommandLineKit
import Foundation

/// Collects what a command writes, for assertions.
final class CapturingSink: OutputSink, @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = ""

    func write(_ text: String) {
        lock.lock()
        buffer += text
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return buffer
    }
}

/// Runs the CLI in-process and returns exit code, stdout and stderr.
func runCLI(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
    let out = CapturingSink(), err = CapturingSink()
    let code = SlipwayCLIEntry.run(arguments, CommandIO(out: out, err: err))
    return (code, out.text, err.text)
}
