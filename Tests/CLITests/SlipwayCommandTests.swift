import CLITestSupport
import CommandLineKit
import SlipwayCLI
import Testing
import TestSupport

@Suite("slipway command line")
struct SlipwayCommandTests {
    @Test("--version prints the version and exits 0")
    func version() {
        let result = runCLI(["--version"])
        #expect(result.code == 0)
        #expect(result.out == "slipway \(SlipwayCLI.version)\n")
    }

    @Test("--help lists every command and exits 0")
    func help() {
        let result = runCLI(["--help"])
        #expect(result.code == 0)
        for command in SlipwayCLI.root.subcommands {
            #expect(result.out.contains("  \(command.name)"), "help does not list \(command.name)")
        }
    }

    @Test("an unknown command prints usage on stderr and exits 2")
    func unknownCommand() {
        let result = runCLI(["frobnicate"])
        #expect(result.code == 2)
        #expect(result.err.contains("error: unknown command 'frobnicate'"))
        #expect(result.err.contains("usage: slipway <command>"))
        #expect(result.out.isEmpty)
    }

    @Test("an unknown flag prints usage on stderr and exits 2")
    func unknownFlag() {
        let result = runCLI(["--frobnicate"])
        #expect(result.code == 2)
        #expect(result.err.contains("unknown option '--frobnicate'"))
    }

    @Test("every command has its own help")
    func everyCommandHasHelp() {
        func visit(_ command: CommandLineKit.Command, _ path: [String]) {
            let result = runCLI(Array(path.dropFirst()) + ["--help"])
            #expect(result.code == 0, "\(path) --help exited \(result.code)")
            #expect(result.out.contains(command.abstract))
            for sub in command.subcommands { visit(sub, path + [sub.name]) }
        }
        visit(SlipwayCLI.root, ["slipway"])
    }

    @Test("the built executable maps outcomes to exit codes")
    func executableExitCodes() throws {
        let slipway = try Binaries.slipway()
        let version = try TestSupport.Command.run(slipway, ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "slipway \(SlipwayCLI.version)\n")
        let bad = try TestSupport.Command.run(slipway, ["no-such-command"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("usage: slipway"))
    }
}
