import FakeGitHub
import Forge
import Foundation
import HTTPClient
import Server
import SlipwayCore
import Store
import TestSupport
import Testing

@Suite("Missed webhooks redelivered at start")
struct HookRedeliveryTests {
    static let token = "ghp_redelivery_token_0123456789abcdef"
    static let hookID = 31

    /// A fake whose hook has: an event delivered fine, two that failed, one that failed but the
    /// journal holds, one that failed and was redelivered fine, and an old failure.
    static func seededFake() throws -> FakeGitHub {
        let fake = FakeGitHub(token: token)
        let now = Date()
        fake.addHookDelivery(hookID: hookID, guid: "old-failure", statusCode: 502, deliveredAt: now.addingTimeInterval(-3 * 86_400))
        fake.addHookDelivery(hookID: hookID, guid: "fine", statusCode: 200, deliveredAt: now.addingTimeInterval(-600))
        fake.addHookDelivery(hookID: hookID, guid: "lost-502", statusCode: 502, deliveredAt: now.addingTimeInterval(-500))
        fake.addHookDelivery(hookID: hookID, guid: "lost-timeout", statusCode: 0, event: "pull_request", action: "opened",
                             deliveredAt: now.addingTimeInterval(-400))
        fake.addHookDelivery(hookID: hookID, guid: "journaled", statusCode: 504, deliveredAt: now.addingTimeInterval(-300))
        fake.addHookDelivery(hookID: hookID, guid: "recovered", statusCode: 503, deliveredAt: now.addingTimeInterval(-200))
        fake.addHookDelivery(hookID: hookID, guid: "recovered", statusCode: 200, redelivery: true, deliveredAt: now.addingTimeInterval(-100))
        // The bot is still unreachable for GitHub: redeliveries fail too, so only the store
        // keeps a restart from asking again.
        fake.setRedeliveryStatusCode(502)
        try fake.start()
        return fake
    }

    static func client(_ fake: FakeGitHub) throws -> GitHubClient {
        try GitHubClient(configuration: .init(apiBaseURL: fake.baseURL, repository: ForgeRepository("octo-org/shop")!,
                                              retry: RetryPolicy(maxAttempts: 1)),
                         credentials: .token(token))
    }

    @Test("failed events are redelivered once each; journaled, recovered and old ones are not; a second pass asks for nothing")
    func redeliversOnce() throws {
        let fake = try Self.seededFake()
        defer { fake.stop() }
        let directory = try TemporaryDirectory(prefix: "slipway-redelivery")
        let store = try SQLiteStore(path: directory.child("state.db"))
        _ = try store.journal(NewDelivery(id: "journaled", event: "push", receivedAt: Date(), contentType: "application/json",
                                          headers: [:], body: Data("{}".utf8)))
        let redelivery = HookRedelivery(client: try Self.client(fake), hook: .repository(Self.hookID), store: store, logger: .discarding)

        let first = redelivery.run()
        #expect(Set(first.redelivered) == ["lost-502", "lost-timeout"])
        #expect(first.journaled == 1)
        #expect(first.errors.isEmpty)
        #expect(Set(fake.redeliveredGUIDs(hookID: Self.hookID)) == ["lost-502", "lost-timeout"])
        let named = fake.redeliveries.map(\.deliveryID)
        let lost = fake.hookDeliveries(hookID: Self.hookID).filter { !$0.redelivery && $0.guid.hasPrefix("lost-") }.map(\.id)
        #expect(Set(named) == Set(lost), "the redelivery names the failed delivery's id")

        let second = HookRedelivery(client: try Self.client(fake), hook: .repository(Self.hookID), store: store, logger: .discarding).run()
        #expect(second.redelivered.isEmpty)
        #expect(second.askedBefore == 2)
        #expect(fake.redeliveries.count == 2)
    }

    @Test("serve with --forge-hook-id redelivers failed events at start, and not again after a restart")
    func serveRedeliversAcrossRestart() throws {
        let fake = try Self.seededFake()
        defer { fake.stop() }
        let directory = try TemporaryDirectory(prefix: "slipway-redelivery-bot")
        // The bot already has one of the failed events (GitHub's answer got lost, not the delivery).
        _ = try SQLiteStore(path: directory.child("state.db")).journal(
            NewDelivery(id: "journaled", event: "push", receivedAt: Date(), contentType: "application/json", headers: [:], body: Data("{}".utf8)))
        func start() throws -> BotApplication {
            var configuration = BotConfiguration(listenPort: 0, webhookSecret: Array("redelivery-webhook-secret-0042".utf8),
                                                 store: .sqlite(path: directory.child("state.db"), synchronousFull: false),
                                                 workDir: directory.path)
            configuration.forge = ForgeSettings(apiBaseURL: fake.baseURL, repository: ForgeRepository("octo-org/shop"), credentials: .token(Self.token))
            configuration.forgeHook = .repository(Self.hookID)
            configuration.diagnosticsInterval = nil
            let app = try BotApplication.build(configuration: configuration, logger: Logger(sink: MemoryLogSink()))
            try app.start()
            return app
        }
        let first = try start()
        let summary = try #require(first.waitForStartupRedelivery(timeout: 60))
        #expect(Set(summary.redelivered) == ["lost-502", "lost-timeout"])
        first.stop()

        let second = try start()
        defer { second.stop() }
        let again = try #require(second.waitForStartupRedelivery(timeout: 60))
        #expect(again.redelivered.isEmpty)
        #expect(again.askedBefore == 2)
        #expect(fake.redeliveries.count == 2)
    }

    @Test("serve's /readyz carries the latest diagnostics report as its diag detail")
    func readyzCarriesDiag() throws {
        let bot = try TestBot()
        let body: String = try Eventually.value(of: "the first diagnostics report in /readyz", timeout: 60) {
            let response = try bot.get("/readyz")
            let text = String(decoding: response.body, as: UTF8.self)
            return text.contains("\"diag\":{\"checks\"") ? text : nil
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "ready", "diag never makes the bot unready")
        let diag = try #require(object["diag"] as? [String: Any])
        let checks = try #require(diag["checks"] as? [[String: Any]])
        #expect(checks.contains { $0["name"] as? String == "store.latency" })
        #expect(bot.app.latestDiagnostics?.check("store.latency")?.status == .pass)
        #expect(!body.contains(TestBot.secret))
    }
}

@Suite("Missed App webhooks redelivered at start")
struct AppHookRedeliveryTests {
    static let keys = ConfigOption.serveOptions.map(\.name)

    @Test("--forge-hook-id app: the App webhook's failed events of this installation are redelivered with the App's JWT, others' never")
    func appHook() throws {
        let key = try TestRSAKey()
        let fake = FakeGitHub(token: nil)
        fake.installApp(appID: "4242", publicKeyPEM: key.publicPEM, installationID: 77)
        let now = Date()
        fake.addAppHookDelivery(guid: "ours-fine", statusCode: 200, installationID: 77, deliveredAt: now.addingTimeInterval(-500))
        fake.addAppHookDelivery(guid: "ours-lost", statusCode: 502, installationID: 77, deliveredAt: now.addingTimeInterval(-400))
        fake.addAppHookDelivery(guid: "theirs-lost", statusCode: 0, installationID: 99, deliveredAt: now.addingTimeInterval(-300))
        fake.addHookDelivery(hookID: 5, guid: "repository-hook-lost", statusCode: 502)
        fake.setRedeliveryStatusCode(502) // still unreachable: only the store stops a second ask
        try fake.start()
        defer { fake.stop() }
        let directory = try TemporaryDirectory(prefix: "slipway-app-redelivery")
        let keyFile = try directory.write("app.pem", key.privatePEM)
        func start() throws -> BotApplication {
            let source = try ConfigSource(flags: [
                "forge-url": fake.baseURL, "forge-repo": "octo-org/shop", "forge-app-id": "4242", "forge-app-key-file": keyFile,
                "forge-hook-id": "app", "store": "sqlite:" + directory.child("state.db"), "work-dir": directory.path, "listen": "127.0.0.1:0",
            ], environment: ["SLIPWAY_WEBHOOK_SECRET": "app-redelivery-webhook-secret-42"], knownKeys: Self.keys)
            var configuration = try BotConfiguration.resolve(source)
            #expect(configuration.forgeHook == .app)
            configuration.diagnosticsInterval = nil
            let app = try BotApplication.build(configuration: configuration, logger: Logger(sink: MemoryLogSink()))
            try app.start()
            return app
        }
        let first = try start()
        let summary = try #require(first.waitForStartupRedelivery(timeout: 60))
        first.stop()
        #expect(summary.redelivered == ["ours-lost"])
        #expect(summary.errors.isEmpty)
        #expect(fake.redeliveredGUIDs(hookID: FakeGitHub.appHookID) == ["ours-lost"])
        #expect(fake.redeliveredGUIDs(hookID: 5).isEmpty)
        let redelivery = try #require(fake.requests.first { $0.method == "POST" && $0.path.hasPrefix("/app/hook/deliveries/") })
        #expect(redelivery.path.hasSuffix("/attempts"))
        #expect(fake.requests.contains { $0.method == "GET" && $0.path == "/app/hook/deliveries" })

        let second = try start()
        defer { second.stop() }
        #expect(try #require(second.waitForStartupRedelivery(timeout: 60)).askedBefore == 1)
        #expect(fake.redeliveries.count == 1)
    }

    @Test("--forge-hook-id app needs App credentials; a bad value names both forms")
    func configuration() throws {
        let base = ["forge-url": "http://127.0.0.1:9", "forge-repo": "octo-org/shop", "store": "sqlite:/tmp/x.db", "work-dir": "/tmp", "listen": "127.0.0.1:0"]
        let environment = ["SLIPWAY_WEBHOOK_SECRET": "app-redelivery-webhook-secret-42", "SLIPWAY_FORGE_TOKEN": "ghp_" + String(repeating: "a", count: 36)]
        let withToken = try #require(throws: ConfigError.self) {
            try BotConfiguration.resolve(ConfigSource(flags: base.merging(["forge-hook-id": "app"]) { $1 }, environment: environment, knownKeys: Self.keys))
        }
        #expect("\(withToken)".contains("--forge-app-id"))
        let bad = try #require(throws: ConfigError.self) {
            try BotConfiguration.resolve(ConfigSource(flags: base.merging(["forge-hook-id": "-3"]) { $1 }, environment: environment, knownKeys: Self.keys))
        }
        #expect("\(bad)".contains("or app"))
    }
}
