import CLITestSupport
import CommandLineKit
import Foundation
@testable import SlipwayCLI
import Store
import Testing
import TestSupport

/// Runs `slipway env ...` in-process. Uses the command tree with `env` in it (the lead registers
/// `EnvCommand` in `SlipwayCLI.root`; until then the tree is built here).
func runEnv(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
    runCLI(["env"] + arguments)
}

@Suite("slipway env")
struct EnvCommandTests {
    @Test("list, show and logs read the store and the redacted logs; deploy and teardown queue jobs a runner executes")
    func envCommands() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        let work = ["--work-dir", harness.work.path]
        #expect(runEnv(["list"] + work).out == "no environments yet\n")
        harness.startService()
        let first = try harness.git.head("main")
        #expect(try harness.finished(try harness.enqueueDeploy(first).id).status == .succeeded)

        let list = runEnv(["list"] + work)
        #expect(list.code == 0, "\(list.err)")
        #expect(list.out.contains("staging  staging  healthy  \(first.prefix(7))"))
        let json = runEnv(["list", "--json"] + work)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]])
        #expect(array.first?["name"] as? String == "staging")
        #expect(array.first?["status"] as? String == "healthy")

        let show = runEnv(["show", "staging"] + work)
        #expect(show.code == 0)
        #expect(show.out.contains("status     healthy"))
        #expect(show.out.contains("sha        \(first)"))
        #expect(show.out.contains("succeeded"))
        let missing = runEnv(["show", "nope"] + work)
        #expect(missing.code == 1)
        #expect(missing.err.contains("no environment named 'nope' (known: staging)"))

        let build = runEnv(["logs", "staging", "--build"] + work)
        #expect(build.code == 0)
        #expect(build.out.contains("token=***"))
        let app = runEnv(["logs", "staging"] + work)
        #expect(app.out.contains("serving on"))
        #expect(!app.out.contains(RunnerHarness.secret) && !build.out.contains(RunnerHarness.secret))

        #expect(runEnv(["deploy", "staging"] + work).code == 2)
        let second = try harness.commit(["README.md": "v2\n"])
        let deploy = runEnv(["deploy", "staging", "--sha", second, "--repo", harness.git.path] + work)
        #expect(deploy.code == 0, "\(deploy.err)")
        let word = try #require(deploy.out.split(separator: " ").dropFirst(2).first)
        let id = try #require(Int64(word.dropLast()))
        let user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "cli"
        #expect(try harness.store.job(id: id)?.trigger == "command:\(user)")
        #expect(try harness.finished(id).status == .succeeded)
        #expect(try harness.environment().sha == second)

        let teardown = runEnv(["teardown", "staging"] + work)
        #expect(teardown.code == 0, "\(teardown.err)")
        #expect(teardown.out.hasPrefix("queued job "))
        try Eventually.wait(for: "the teardown") { try harness.environment().status == .tornDown }
        #expect(runEnv(["teardown", "staging"] + work).out == "staging is already torn down\n")
    }
}
