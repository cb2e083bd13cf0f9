import Foundation
import HTTPClient
import Testing
import TestSupport

/// `kill -HUP` of `slipway serve`: a configuration with an error is refused and changes nothing; a
/// good one is in force after the reload.
@Suite("slipway serve reloads its configuration on SIGHUP")
struct ServeReloadTests {
    @Test("a broken configuration is refused and the bot keeps serving; a good one takes effect")
    func reload() throws {
        let dir = try TemporaryDirectory()
        let secretFile = try dir.write("secret", ServeProcessTests.secret)
        let config = try dir.write("slipway.yaml", "webhook-path: /webhook\nlog-format: json\n")
        let process = try ChildProcess(
            try Binaries.slipway(),
            ["serve", "--config", config, "--listen", "127.0.0.1:0", "--work-dir", dir.path, "--webhook-secret-file", secretFile],
            environment: ServeProcessTests.environment()
        )
        defer { _ = try? process.kill(SIGTERM) }
        _ = try process.waitForOutput(matching: "listening on http://127\\.0\\.0\\.1:([0-9]+)/webhook")

        // An unknown key: refused, said in the log, and nothing changes.
        try "webhook-path: /hooks\nlog-formt: json\n".write(toFile: config, atomically: true, encoding: .utf8)
        kill(process.pid, SIGHUP)
        try Eventually.wait(for: "the refusal in the log", timeout: 30) { process.stderr.contains("reload refused") }
        #expect(process.stderr.contains("log-formt"))
        #expect(process.isRunning)

        // A good change: the webhook path moves, and the bot says where it listens now.
        try "webhook-path: /hooks\nlog-format: json\n".write(toFile: config, atomically: true, encoding: .utf8)
        kill(process.pid, SIGHUP)
        try Eventually.wait(for: "the reload in the log", timeout: 60) { process.stderr.contains("configuration reloaded") }
        let line = try #require(process.stderr.split(separator: "\n").last { $0.contains("configuration reloaded") })
        let listen = try #require(line.firstMatch(of: /"listen":"127\.0\.0\.1:([0-9]+)"/)?.1)
        let response = try HTTPClient().send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(listen)/hooks",
                                                               body: Data("{}".utf8)))
        // Unsigned: refused by the webhook handler at the new path (not "no such route").
        #expect(response.status == 401, "status \(response.status)")
        let old = try HTTPClient().send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(listen)/webhook", body: Data("{}".utf8)))
        #expect(old.status == 404)
        #expect(try process.kill(SIGTERM) == 0)
    }
}
