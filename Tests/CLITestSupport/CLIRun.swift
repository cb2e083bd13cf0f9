public import CommandLineKit
import Foundation
import SlipwayCLI

/// Collects what a command writes, for assertions.
public typealias CapturingSink = BufferedOutputSink

/// Runs `slipway <arguments>` in-process and returns exit code, stdout and stderr.
public func runCLI(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
    let out = CapturingSink(), err = CapturingSink()
    let code = SlipwayCLI.run(arguments: arguments, io: CommandIO(out: out, err: err))
    return (code, out.text, err.text)
}
