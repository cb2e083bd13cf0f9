import Crypto
import Foundation
import HTTPClient
import HTTPTypes
import SlipwayCLI
import Testing
import TestSupport

@Suite("slipway serve as a process")
struct ServeProcessTests {
    static let secret = "serve-process-secret-8c1f"

    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        env.merge(extra) { _, new in new }
        return env
    }

    static func start(workDir: String, secretFile: String) throws -> (ChildProcess, Int) {
        let process = try ChildProcess(
            try Binaries.slipway(),
            ["serve", "--listen", "127.0.0.1:0", "--work-dir", workDir, "--webhook-secret-file", secretFile, "--log-format", "json"],
            environment: environment()
        )
        let port = try process.waitForOutput(matching: "listening on http://127\\.0\\.0\\.1:([0-9]+)/webhook")
        return (process, Int(port)!)
    }

    static func deliver(port: Int, id: String, event: String, body: Data) throws -> HTTPClientResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("X-GitHub-Event", event)
        headers.add("X-GitHub-Delivery", id)
        headers.add("X-Hub-Signature-256", WebhookSignature.sign(body: body, secret: secret))
        return try HTTPClient().send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/webhook", headers: headers, body: body))
    }

    @Test("serve refuses to start without a webhook secret and says how to give one")
    func refusesWithoutSecret() throws {
        let dir = try TemporaryDirectory()
        let result = try TestSupport.Command.run(try Binaries.slipway(), ["serve", "--listen", "127.0.0.1:0", "--work-dir", dir.path],
                                                 environment: Self.environment())
        #expect(result.status == 1)
        #expect(result.stderr.contains("--webhook-secret-file"))
        #expect(result.stderr.contains("SLIPWAY_WEBHOOK_SECRET"))
    }

    @Test("serve --help documents every option")
    func helpDocumentsOptions() throws {
        let result = try TestSupport.Command.run(try Binaries.slipway(), ["serve", "--help"], environment: Self.environment())
        #expect(result.status == 0)
        for option in ["--config", "--repo", "--listen", "--webhook-path", "--webhook-secret-file", "--store", "--work-dir", "--max-body", "--log-format"] {
            #expect(result.stdout.contains(option), "serve --help does not document \(option)")
        }
        #expect(result.stdout.contains("SLIPWAY_WEBHOOK_SECRET"))
    }

    @Test("a delivery answered 202 survives kill -9 of the server and is processed after a restart")
    func survivesKill9() throws {
        let dir = try TemporaryDirectory()
        let secretFile = try dir.write("secret", Self.secret + "\n")
        let workDir = dir.child("work")
        let body = Data("{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1,\"repository\":{\"id\":1,\"name\":\"r\",\"full_name\":\"o/r\",\"owner\":{\"login\":\"o\"}}}".utf8)

        var (server, port) = try Self.start(workDir: workDir, secretFile: secretFile)
        let response = try Self.deliver(port: port, id: "kill-9-delivery", event: "ping", body: body)
        #expect(response.status == 202)
        try server.kill(SIGKILL)

        // The journal has it, whatever the workers had done.
        let shown = try TestSupport.Command.run(try Binaries.slipway(), ["deliveries", "show", "kill-9-delivery", "--work-dir", workDir, "--json"],
                                                environment: Self.environment())
        #expect(shown.status == 0, "\(shown)")
        #expect(shown.stdout.contains("\"id\" : \"kill-9-delivery\""))

        (server, port) = try Self.start(workDir: workDir, secretFile: secretFile)
        try Eventually.wait(for: "the delivery to be processed after the restart", timeout: 30) {
            let list = try TestSupport.Command.run(try Binaries.slipway(), ["deliveries", "list", "--work-dir", workDir, "--json"],
                                                   environment: Self.environment())
            return list.stdout.contains("\"status\" : \"processed\"")
        }
        // A redelivery after the restart is still a duplicate.
        #expect(try Self.deliver(port: port, id: "kill-9-delivery", event: "ping", body: body).status == 200)
        #expect(try server.kill(SIGTERM) == 0)
        #expect(!server.stderr.contains(Self.secret))
    }

    @Test("deliveries replay puts a delivery back for the running bot")
    func replay() throws {
        let dir = try TemporaryDirectory()
        let secretFile = try dir.write("secret", Self.secret)
        let workDir = dir.child("work")
        let (server, port) = try Self.start(workDir: workDir, secretFile: secretFile)
        let body = Data("{\"action\":\"created\"}".utf8)
        #expect(try Self.deliver(port: port, id: "replay-me", event: "issue_comment", body: body).status == 202)
        let slipway = try Binaries.slipway()
        try Eventually.wait(for: "the delivery to be ignored") {
            try TestSupport.Command.run(slipway, ["deliveries", "show", "replay-me", "--work-dir", workDir], environment: Self.environment())
                .stdout.contains("status    ignored")
        }
        let replay = try TestSupport.Command.run(slipway, ["deliveries", "replay", "replay-me", "--work-dir", workDir], environment: Self.environment())
        #expect(replay.status == 0)
        try Eventually.wait(for: "the replayed delivery to be processed again") {
            try TestSupport.Command.run(slipway, ["deliveries", "show", "replay-me", "--work-dir", workDir, "--json"], environment: Self.environment())
                .stdout.contains("\"replays\" : 1") && (try TestSupport.Command.run(slipway, ["deliveries", "show", "replay-me", "--work-dir", workDir, "--json"], environment: Self.environment())
                    .stdout.contains("\"status\" : \"ignored\""))
        }
        let unknown = try TestSupport.Command.run(slipway, ["deliveries", "replay", "nope", "--work-dir", workDir], environment: Self.environment())
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no delivery with id 'nope'"))
        try server.kill(SIGTERM)
    }

    @Test("deliveries show redacts the webhook secret from payloads and headers")
    func showRedacts() throws {
        let dir = try TemporaryDirectory()
        let secretFile = try dir.write("secret", Self.secret)
        let workDir = dir.child("work")
        let (server, port) = try Self.start(workDir: workDir, secretFile: secretFile)
        let body = Data("{\"note\":\"leaked \(Self.secret) here\"}".utf8)
        #expect(try Self.deliver(port: port, id: "leaky", event: "issues", body: body).status == 202)
        try server.kill(SIGTERM)
        let slipway = try Binaries.slipway()
        for format in [[], ["--json"]] {
            let shown = try TestSupport.Command.run(slipway, ["deliveries", "show", "leaky", "--work-dir", workDir, "--webhook-secret-file", secretFile] + format,
                                                    environment: Self.environment())
            #expect(shown.status == 0, "\(shown)")
            #expect(shown.stdout.contains("leaked *** here"))
            #expect(!shown.stdout.contains(Self.secret))
        }
        let list = try TestSupport.Command.run(slipway, ["deliveries", "list", "--work-dir", workDir], environment: Self.environment())
        #expect(list.stdout.contains("leaky"))
        #expect(list.stdout.contains("issues"))
    }
}
