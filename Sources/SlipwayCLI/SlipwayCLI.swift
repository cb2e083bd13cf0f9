public import CommandLineKit
import SlipwayCore
import Foundation

/// The `slipway` command tree and its entry point.
public enum SlipwayCLI {
    public static let version = SlipwayVersion.current

    /// Every command that works today. A command is listed only once it does what its help says.
    public static var root: Command {
        Command(
            name: "slipway",
            abstract: "A GitOps bot: preview environments per PR, staging from main, promotion by label.",
            discussion: """
            Global options:
              --version  Print the version and exit.
              --help     Show this help and exit.
            """,
            subcommands: [
                ServeCommand.command,
                DeliveriesCommand.command,
                DiagCommand.command,
                ValidateCommand.command,
                PlanCommand.command,
                EnvCommand.command,
                SnapshotCommand.command,
                DashboardCommand.command,
                PostmortemCommand.command,
                EvidenceCommand.command,
                DocsCommand.command,
                versionCommand,
            ]
        )
    }

    static var versionCommand: Command {
        Command(name: "version", abstract: "Print the version and exit.") { _, io in
            io.out.write("slipway \(version)\n")
            return 0
        }
    }

    /// Runs the CLI with `arguments` (without the program name) and returns the exit code.
    public static func run(arguments: [String], io: CommandIO) -> Int32 {
        if arguments == ["--version"] {
            io.out.write("slipway \(version)\n")
            return 0
        }
        if arguments.isEmpty {
            io.out.write(HelpRenderer.help(path: ["slipway"], command: root))
            return 0
        }
        return CommandRunner.run(root: root, arguments: arguments, io: io)
    }
}

/// Writes straight to a file descriptor (the `stdout`/`stderr` globals are not concurrency-safe).
public struct FileDescriptorSink: OutputSink {
    let handle: FileHandle

    public static let standardOutput = FileDescriptorSink(handle: .standardOutput)
    public static let standardError = FileDescriptorSink(handle: .standardError)

    public func write(_ text: String) {
        handle.write(Data(text.utf8))
    }
}
