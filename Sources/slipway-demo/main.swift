import CommandLineKit
import Foundation
import SlipwayCLI

let io = CommandIO(out: FileDescriptorSink.standardOutput, err: FileDescriptorSink.standardError)
exit(CommandRunner.run(root: DemoCommand.command, arguments: Array(CommandLine.arguments.dropFirst()), io: io))
