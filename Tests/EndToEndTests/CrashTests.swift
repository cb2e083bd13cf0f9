import Crypto
import Demo
import FakeGitHub
import Foundation
import HTTPClient
import HTTPTypes
import Store
import Testing
import TestSupport

/// The process groups of `pids` (field 5 of /proc/<pid>/stat).
func processGroups(_ pids: [Int32]) -> Set<Int32> {
    Set(pids.compactMap { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 ? Int32(fields[2]) : nil
    })
}

/// Processes whose working directory is under `path` (an environment's checkouts).
func processes(under path: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") else { return false }
        return cwd.hasPrefix(path)
    }
}

@Suite("Crash and restart")
struct CrashTests {
    @Test("kill -9 of the bot in the middle of a deploy: after a restart it converges with one comment, no duplicate evidence, no leaked process")
    func killMidDeploy() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-crash")
        let repo = try ExampleRepository(exampleDirectory: exampleApp, path: dir.child("app.git"))
        let forge = FakeGitHub(owner: "demo", repo: "app", token: "crash-token-123456")
        try forge.start()
        defer { forge.stop() }
        let secret = "crash-secret-abcdef"
        let secretFile = try dir.write("secret", secret)
        let work = dir.child("work")
        // serve leaves apps running for the next start to adopt: the test stops them itself.
        defer { ProcessSweep.stopAll(under: work + "/envs") }
        let slipway = try Binaries.slipway()
        // A uid range of its own: tests run side by side.
        let uidRange = "\(5_000_000 + UInt32.random(in: 0..<50_000) * 100):100"
        let env = ["PATH": "/usr/bin:/bin", "HOME": dir.path, "SLIPWAY_FORGE_TOKEN": "crash-token-123456",
                   "PAYMENTS_TEST_KEY": "sk_test_crash_0123456789"]
        func serve() throws -> (ChildProcess, Int) {
            let child = try ChildProcess(slipway, ["serve", "--repo", repo.path, "--work-dir", work, "--listen", "127.0.0.1:0",
                                                   "--webhook-secret-file", secretFile, "--forge-url", forge.baseURL, "--forge-repo", "demo/app",
                                                   "--log-format", "text", "--reconcile-interval", "1h",
                                                   "--grant", "payments-test=env:PAYMENTS_TEST_KEY@preview,staging",
                                                   "--isolation-uids", uidRange], environment: env)
            let port = try child.waitForOutput(matching: "listening on http://127\\.0\\.0\\.1:([0-9]+)/webhook")
            return (child, Int(port)!)
        }
        func deliver(_ port: Int, _ body: Data) throws -> Int {
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/json")
            headers.add("X-GitHub-Event", "pull_request")
            headers.add("X-GitHub-Delivery", "crash-\(UUID().uuidString.prefix(8))")
            headers.add("X-Hub-Signature-256", WebhookSignature.sign(body: body, secret: secret))
            return try HTTPClient().send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/webhook", headers: headers, body: body)).status
        }

        // A PR whose build takes a while, so the bot can be killed in the middle of it.
        let head = try repo.commit("slow", ["build.sh": "#!/bin/sh\nset -eu\necho slow build starting\nsleep 3\nmkdir -p dist\ncp app/index.html dist/index.html\necho build done\n"],
                                   message: "slow build")
        try repo.setPullHead(1, head)
        forge.addPullRequest(number: 1, headSHA: head, headRef: "slow")
        var (bot, port) = try serve()
        #expect(try deliver(port, WebhookPayloads(owner: "demo", name: "app").pullRequest(action: "opened", number: 1, headSHA: head, headRef: "slow")) == 202)
        let store = try SQLiteStore(path: work + "/state.db")
        try Eventually.wait(for: "the pr-1 build to start", timeout: 60) {
            try store.environment(named: "pr-1")?.status == .building
                || store.pendingJobs().contains { $0.environment == "pr-1" && $0.status == .running }
        }
        try bot.kill(SIGKILL)

        (bot, port) = try serve()
        try Eventually.wait(for: "pr-1 to be healthy after the restart", timeout: 90) {
            let env = try store.environment(named: "pr-1")
            return env?.status == .healthy && env?.sha == head
        }
        try Eventually.wait(for: "the comment to say healthy", timeout: 30) {
            forge.comments(onIssue: 1).contains { $0.body.contains("healthy") }
        }
        #expect(forge.comments(onIssue: 1).count == 1)
        // Exactly one app (one process group) serves pr-1; the killed run's build left nothing behind.
        try Eventually.wait(for: "leftovers of the killed run to be gone", timeout: 30) {
            processGroups(processes(under: work + "/envs/pr-1")).count == 1
        }
        // Tear it down by hand; then nothing of pr-1 runs.
        let teardown = try TestSupport.Command.run(slipway, ["env", "teardown", "pr-1", "--work-dir", work], environment: env)
        #expect(teardown.status == 0, "\(teardown.stderr)")
        try Eventually.wait(for: "pr-1 to be torn down", timeout: 60) { try store.environment(named: "pr-1")?.status == .tornDown }
        try Eventually.wait(for: "no process of pr-1", timeout: 30) { processes(under: work + "/envs/pr-1").isEmpty }
        #expect(try bot.kill(SIGTERM) == 0)
        // One deploy record for pr-1 at that head (the killed attempt never finished), one teardown.
        let tree = try gitCLI(repo.path, ["ls-tree", "-r", "--name-only", "slipway/evidence"])
        let records = tree.split(separator: "\n").filter { $0.contains("/pr-1/") && $0.hasSuffix("record.json") }
        #expect(records.filter { $0.contains("-deploy/") }.count == 1, "\(records)")
        #expect(records.filter { $0.contains("-teardown/") }.count == 1, "\(records)")
        #expect(!bot.stderr.contains(secret))
        #expect(!bot.stderr.contains("crash-token-123456"))
    }
}
