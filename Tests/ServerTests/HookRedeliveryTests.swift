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
        let redelivery = HookRedelivery(client: try Self.client(fake), hookID: Self.hookID, store: store, logger: .discarding)

        let first = redelivery.run()
        #expect(Set(first.redelivered) == ["lost-502", "lost-timeout"])
        #expect(first.journaled == 1)
        #expect(first.errors.isEmpty)
        #expect(Set(fake.redeliveredGUIDs(hookID: Self.hookID)) == ["lost-502", "lost-timeout"])
        let named = fake.redeliveries.map(\.deliveryID)
        let lost = fake.hookDeliveries(hookID: Self.hookID).filter { !$0.redelivery && $0.guid.hasPrefix("lost-") }.map(\.id)
        #expect(Set(named) == Set(lost), "the redelivery names the failed delivery's id")

        let second = HookRedelivery(client: try Self.client(fake), hookID: Self.hookID, store: store, logger: .discarding).run()
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
            configuration.forgeHookID = Self.hookID
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
