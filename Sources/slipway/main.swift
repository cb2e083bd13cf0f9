import Foundation
import SlipwayCLI
import CommandLineKit

let io = CommandIO(out: FileDescriptorSink.standardOutput, err: FileDescriptorSink.standardError)
exit(SlipwayCLI.run(arguments: Array(CommandLine.arguments.dropFirst()), io: io))
