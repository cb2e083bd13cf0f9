import CLITestSupport
import Foundation
import Testing
import TestSupport

/// What the operator installs: the systemd unit passes `systemd-analyze verify` with no warning.
@Suite("Packaging")
struct PackagingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    @Test("the shipped slipway has no demo and no fake GitHub in it; slipway-demo is its own program")
    func noDemoInTheShippedBinary() throws {
        #expect(runCLI(["demo"]).code == 2, "`slipway demo` is gone from the shipped CLI")
        let binary = try Data(contentsOf: URL(fileURLWithPath: try Binaries.slipway()), options: .alwaysMapped)
        for module in ["10FakeGitHub", "12DemoScenario"] {
            #expect(binary.range(of: Data(module.utf8)) == nil, "the slipway binary links \(module)")
        }
        let demo = Binaries.productsDirectory.appendingPathComponent("slipway-demo").path
        #expect(FileManager.default.isExecutableFile(atPath: demo), "build it with `swift build --product slipway-demo`")
        let help = try TestSupport.Command.run(demo, ["--help"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("fake GitHub"))
    }

    @Test("the systemd unit verifies cleanly (its ExecStart pointed at the built binary)")
    func systemdUnit() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else {
            Issue.record("systemd-analyze not found: install systemd (apt-get install systemd)")
            return
        }
        let unit = try String(contentsOfFile: Self.root + "/packaging/systemd/slipway.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/slipway serve"))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        let dir = try TemporaryDirectory()
        let copy = try dir.write("slipway.service", unit.replacingOccurrences(of: "/usr/local/bin/slipway", with: try Binaries.slipway()))
        let result = try TestSupport.Command.run("/usr/bin/systemd-analyze", ["verify", copy], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let complaints = (result.stdout + result.stderr).split(separator: "\n").filter { $0.contains("slipway.service") }
        #expect(complaints.isEmpty, "\(complaints)")
    }
}

extension PackagingTests {
    @Test("scripts/install.sh puts slipway on PATH under PREFIX, and refuses what is not a binary")
    func installScript() throws {
        let dir = try TemporaryDirectory()
        let env = ["PATH": "/usr/bin:/bin", "PREFIX": dir.path + "/prefix", "HOME": dir.path]
        let result = try TestSupport.Command.run("/bin/bash", [Self.root + "/scripts/install.sh", "--binary", try Binaries.slipway()], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.isExecutableFile(atPath: dir.path + "/prefix/bin/slipway"))
        #expect(result.stdout.contains("installed \(dir.path)/prefix/bin/slipway: slipway "), "\(result.stdout)")
        #expect(result.stdout.contains("is not on your PATH"))
        let refused = try TestSupport.Command.run("/bin/bash", [Self.root + "/scripts/install.sh", "--binary", dir.path + "/nothing"], environment: env)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is not an executable"))
    }
}
