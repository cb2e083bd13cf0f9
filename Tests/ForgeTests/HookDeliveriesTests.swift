import FakeGitHub
import Forge
import Foundation
import TestSupport
import Testing

@Suite("Rate limit, webhook deliveries and redelivery")
struct HookDeliveriesTests {
    @Test("the rate limit is read from resources.core")
    func rateLimit() throws {
        let harness = try Harness()
        harness.fake.setRateLimit(limit: 5000, remaining: 123, reset: 1_900_000_000)
        let limit = try harness.client.rateLimit()
        #expect(limit == GitHubRateLimit(limit: 5000, remaining: 123, reset: 1_900_000_000, used: 4877))
        #expect(abs(limit.fractionLeft - 0.0246) < 0.001)
    }

    @Test("deliveries come newest first, follow the cursor in Link, and stop at the limit and at since")
    func deliveriesPaginateBounded() throws {
        let harness = try Harness(pageSize: 100)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<250 {
            harness.fake.addHookDelivery(hookID: 5, guid: "guid-\(index)", statusCode: index % 7 == 0 ? 502 : 200,
                                         deliveredAt: start.addingTimeInterval(Double(index)))
        }
        let newest = try harness.client.hookDeliveries(hookID: 5, limit: 150)
        #expect(newest.count == 150)
        #expect(newest.first?.guid == "guid-249")
        #expect(newest.last?.guid == "guid-100")
        #expect(newest.first(where: { $0.guid == "guid-245" })?.statusCode == 502)
        #expect(newest.first(where: { $0.guid == "guid-245" })?.succeeded == false)
        let pages = harness.fake.requests.filter { $0.path.hasSuffix("/hooks/5/deliveries") }
        #expect(pages.count == 2)
        #expect(pages.last?.queryValue("cursor") != nil)

        let recent = try harness.client.hookDeliveries(hookID: 5, since: start.addingTimeInterval(240), limit: 1000)
        #expect(recent.map(\.guid) == (240..<250).reversed().map { "guid-\($0)" })

        let all = try harness.client.hookDeliveries(hookID: 5, limit: 1000)
        #expect(all.count == 250)
    }

    @Test("a redelivery names the delivery; an unknown one is a not-found error naming the permission")
    func redeliver() throws {
        let harness = try Harness()
        let id = harness.fake.addHookDelivery(hookID: 9, guid: "abc", statusCode: 502)
        try harness.client.redeliverHookDelivery(hookID: 9, deliveryID: id)
        #expect(harness.fake.redeliveries == [FakeGitHub.Redelivery(hookID: 9, deliveryID: id, guid: "abc")])
        let deliveries = try harness.client.hookDeliveries(hookID: 9)
        #expect(deliveries.count == 2)
        #expect(deliveries.first?.redelivery == true)

        let error = try #require(throws: ForgeError.self) { try harness.client.redeliverHookDelivery(hookID: 9, deliveryID: 1) }
        #expect(error.kind == .notFound)
        #expect(error.description.contains("webhooks: write"))
    }

    @Test("a token refused the webhooks scope gets a forbidden error naming webhooks: read")
    func deniedHooks() throws {
        let fake = FakeGitHub()
        let token = "ghp_nohooks_token_000111222333444"
        fake.addToken(token, denied: [.webhooks: 403])
        fake.addHook(3)
        try fake.start()
        let harness = try Harness(fake: fake, token: token)
        let error = try #require(throws: ForgeError.self) { try harness.client.hookDeliveries(hookID: 3) }
        #expect(error.kind == .forbidden)
        #expect(error.description.contains("webhooks: read"))
        let unknown = try #require(throws: ForgeError.self) { try Harness(fake: fake).client.hookDeliveries(hookID: 4) }
        #expect(unknown.kind == .notFound)
    }

    @Test("with token credentials there is no App to read permissions from (the App case: DiagnosticsTests)")
    func appPermissions() throws {
        let harness = try Harness()
        #expect(try harness.client.authenticatedApp() == nil)
    }
}
