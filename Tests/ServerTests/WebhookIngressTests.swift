import Crypto
import Foundation
import HTTPClient
import Server
import SlipwayCore
import Store
import Testing
import TestSupport

@Suite("Webhook ingress over real HTTP")
struct WebhookIngressTests {
    @Test("a signed delivery is journaled, answered 202 and processed once by a worker")
    func acceptedAndProcessed() throws {
        let bot = try TestBot()
        let body = try TestBot.fixture("pull_request.opened.json")
        let response = try bot.deliver(event: "pull_request", id: "d-1", body: body)
        #expect(response.status == 202)
        #expect(String(decoding: response.body, as: UTF8.self).contains("\"status\":\"accepted\""))
        let record = try bot.finished("d-1")
        #expect(record.status == .processed)
        #expect(record.action == "opened")
        #expect(record.body == body)
        #expect(bot.handler.count("d-1") == 1)
        guard case .pullRequest(let event)? = bot.handler.handled.first else {
            Issue.record("expected a pull_request event, got \(bot.handler.handled)")
            return
        }
        #expect(event.number == 2)
    }

    @Test("the same delivery id twice is answered 200 duplicate and acted on once")
    func duplicate() throws {
        let bot = try TestBot()
        let body = try TestBot.fixture("push.branch-updated.json")
        #expect(try bot.deliver(event: "push", id: "dup-1", body: body).status == 202)
        _ = try bot.finished("dup-1")
        let again = try bot.deliver(event: "push", id: "dup-1", body: body)
        #expect(again.status == 200)
        #expect(String(decoding: again.body, as: UTF8.self).contains("\"status\":\"duplicate\""))
        // A duplicate that arrives while the first is still pending is also answered 200.
        let other = try TestBot.fixture("push.branch-updated.json", nonce: "2")
        #expect(try bot.deliver(event: "push", id: "dup-2", body: other).status == 202)
        #expect(try bot.deliver(event: "push", id: "dup-2", body: other).status == 200)
        _ = try bot.finished("dup-2")
        #expect(bot.handler.count("dup-1") == 1)
        #expect(bot.handler.count("dup-2") == 1)
        #expect(try bot.app.store.deliveries(limit: 10).count == 2)
    }

    @Test("the same signed body under a new delivery id is a replay: 200 duplicate, journaled and acted on once")
    func replayUnderNewID() throws {
        let bot = try TestBot()
        let body = try TestBot.fixture("push.branch-updated.json", nonce: "replay")
        #expect(try bot.deliver(event: "push", id: "orig-1", body: body).status == 202)
        _ = try bot.finished("orig-1")
        let replay = try bot.deliver(event: "push", id: "attacker-chosen-id", body: body)
        #expect(replay.status == 200)
        #expect(String(decoding: replay.body, as: UTF8.self).contains("\"status\":\"duplicate\""))
        #expect(try bot.app.store.delivery(id: "attacker-chosen-id") == nil)
        #expect(bot.handler.count("orig-1") == 1)
        #expect(bot.handler.count("attacker-chosen-id") == 0)
        // A different body is a different delivery.
        #expect(try bot.deliver(event: "push", id: "orig-2", body: TestBot.fixture("push.branch-updated.json", nonce: "other")).status == 202)
    }

    @Test("a missing or wrong signature is answered 401 and nothing is journaled")
    func unauthorized() throws {
        let bot = try TestBot()
        let body = try TestBot.fixture("ping.json")
        #expect(try bot.deliver(event: "ping", id: "u-1", body: body, signature: .some(nil)).status == 401)
        #expect(try bot.deliver(event: "ping", id: "u-2", body: body, signature: "sha256=" + String(repeating: "0", count: 64)).status == 401)
        #expect(try bot.deliver(event: "ping", id: "u-3", body: body, signature: "sha1=355e155fc3d10c4e5f2c6086a01281d2e947d932").status == 401)
        #expect(try bot.deliver(event: "ping", id: "u-4", body: body, signature: "garbage").status == 401)
        // A signature over other bytes (one byte changed) fails too.
        var tampered = body
        tampered[10] ^= 1
        let signature = WebhookSignatureForTests.sign(body, TestBot.secret)
        #expect(try bot.deliver(event: "ping", id: "u-5", body: tampered, signature: .some(signature)).status == 401)
        #expect(try bot.app.store.deliveries(limit: 10).isEmpty)
    }

    @Test("missing delivery or event headers and bodies that are not the JSON they claim are answered 400")
    func badRequests() throws {
        let bot = try TestBot()
        let body = try TestBot.fixture("ping.json")
        #expect(try bot.deliver(event: "ping", id: nil, body: body).status == 400)
        #expect(try bot.deliver(event: nil, id: "b-1", body: body).status == 400)
        #expect(try bot.deliver(event: "ping", id: "b-2", body: Data("{not json".utf8)).status == 400)
        #expect(try bot.deliver(event: "ping", id: "b-3", body: Data("[1,2]".utf8)).status == 400)
        #expect(try bot.deliver(event: "ping", id: "b-4", body: Data("a=b".utf8), contentType: "application/x-www-form-urlencoded").status == 400)
        #expect(try bot.app.store.deliveries(limit: 10).isEmpty)
    }

    @Test("form-encoded deliveries are verified over the raw body and decoded from the payload field")
    func formEncoded() throws {
        let bot = try TestBot()
        let json = try TestBot.fixture("pull_request.labeled.json")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = String(decoding: json, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: allowed)!
        let body = Data(("payload=" + encoded).utf8)
        let response = try bot.deliver(event: "pull_request", id: "f-1", body: body, contentType: "application/x-www-form-urlencoded")
        #expect(response.status == 202)
        let record = try bot.finished("f-1")
        #expect(record.status == .processed)
        #expect(record.action == "labeled")
    }

    @Test("other content types are answered 415")
    func unsupportedMediaType() throws {
        let bot = try TestBot()
        let body = try TestBot.fixture("ping.json")
        #expect(try bot.deliver(event: "ping", id: "m-1", body: body, contentType: "text/plain").status == 415)
        #expect(try bot.deliver(event: "ping", id: "m-2", body: body, contentType: "application/xml").status == 415)
        #expect(try bot.app.store.deliveries(limit: 10).isEmpty)
    }

    @Test("a body over --max-body is answered 413 and nothing is journaled")
    func tooLarge() throws {
        let bot = try TestBot(maxBody: 4096)
        let body = try TestBot.fixture("pull_request.opened.json")
        #expect(body.count > 4096)
        #expect(try bot.deliver(event: "pull_request", id: "l-1", body: body).status == 413)
        #expect(try bot.app.store.delivery(id: "l-1") == nil)
        // The server still serves normally afterwards.
        #expect(try bot.get("/healthz").status == 200)
    }

    @Test("other methods on the webhook path get 405 and other paths 404")
    func methodAndPath() throws {
        let bot = try TestBot()
        let get = try bot.get("/webhook")
        #expect(get.status == 405)
        #expect(get.headers["Allow"]?.contains("POST") == true)
        #expect(try bot.get("/nope").status == 404)
        #expect(try bot.deliver(event: "ping", id: "p-1", body: TestBot.fixture("ping.json"), path: "/hooks").status == 404)
    }

    @Test("an unknown event is journaled as ignored with the reason and still answered 202")
    func ignoredEvent() throws {
        let bot = try TestBot()
        let response = try bot.deliver(event: "issues", id: "i-1", body: Data("{\"action\":\"opened\"}".utf8))
        #expect(response.status == 202)
        let record = try bot.finished("i-1")
        #expect(record.status == .ignored)
        #expect(record.reason?.contains("issues") == true)
        // A known event with an unknown action too.
        var object = try JSONSerialization.jsonObject(with: TestBot.fixture("pull_request.opened.json")) as! [String: Any]
        object["action"] = "assigned"
        let body = try JSONSerialization.data(withJSONObject: object)
        #expect(try bot.deliver(event: "pull_request", id: "i-2", body: body).status == 202)
        let assigned = try bot.finished("i-2")
        #expect(assigned.status == .ignored)
        #expect(assigned.reason?.contains("assigned") == true)
        #expect(bot.handler.handled.isEmpty)
    }

    @Test("a verified delivery that cannot be decoded is kept as rejected with the failing field path")
    func rejected() throws {
        let bot = try TestBot()
        var object = try JSONSerialization.jsonObject(with: TestBot.fixture("pull_request.synchronize.json")) as! [String: Any]
        var pr = object["pull_request"] as! [String: Any]
        var head = pr["head"] as! [String: Any]
        head.removeValue(forKey: "sha")
        pr["head"] = head
        object["pull_request"] = pr
        let body = try JSONSerialization.data(withJSONObject: object)
        #expect(try bot.deliver(event: "pull_request", id: "r-1", body: body).status == 202)
        let record = try bot.finished("r-1")
        #expect(record.status == .rejected)
        #expect(record.fieldPath == "pull_request.head.sha")
        #expect(try bot.app.store.delivery(id: "r-1")?.body == body)
    }

    @Test("a failing handler is retried and the delivery is not lost")
    func retriedAfterFailure() throws {
        let handler = CountingHandler()
        handler.failuresBeforeSuccess = 1
        let bot = try TestBot(handler: handler)
        #expect(try bot.deliver(event: "ping", id: "h-1", body: TestBot.fixture("ping.json")).status == 202)
        // The failed attempt is postponed by the backoff (1 s) and then taken again.
        let record = try bot.finished("h-1")
        #expect(record.status == .processed, "\(record)")
        #expect(record.attempts == 2)
        #expect(handler.count("h-1") == 1)
        #expect(bot.logs.records.contains { $0.message == "delivery processing failed; will retry" && $0.metadata["delivery.id"] == "h-1" })
    }

    @Test("every fixture payload is accepted and processed as the event its name says")
    func allFixtures() throws {
        let bot = try TestBot()
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory().path)
            .filter { $0.hasSuffix(".json") && $0 != "SOURCES.json" }.sorted()
        #expect(names.count == 12)
        for (index, name) in names.enumerated() {
            let event = String(name.split(separator: ".")[0])
            #expect(try bot.deliver(event: event, id: "fx-\(index)", body: TestBot.fixture(name)).status == 202, "\(name)")
        }
        for index in names.indices {
            let record = try bot.finished("fx-\(index)")
            #expect(record.status == .processed, "\(names[index]): \(record.status) \(record.reason ?? "")")
        }
    }

    @Test("health, readiness and metrics answer on the same listener")
    func observability() throws {
        let bot = try TestBot()
        #expect(try bot.deliver(event: "ping", id: "o-1", body: TestBot.fixture("ping.json")).status == 202)
        #expect(try bot.deliver(event: "ping", id: "o-2", body: TestBot.fixture("ping.json"), signature: .some(nil)).status == 401)
        _ = try bot.finished("o-1")
        #expect(try bot.get("/healthz").status == 200)
        let ready = try bot.get("/readyz")
        #expect(ready.status == 200)
        #expect(String(decoding: ready.body, as: UTF8.self).contains("sqlite"))
        // The worker counts a delivery after its result is stored: wait for the count.
        let metrics = try Eventually.value(of: "the processed ping counted", timeout: 30) { () -> HTTPClientResponse? in
            let response = try bot.get("/metrics")
            return String(decoding: response.body, as: UTF8.self).contains("outcome=\"processed\"} 1") ? response : nil
        }
        #expect(metrics.status == 200)
        #expect(metrics.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains("slipway_webhook_deliveries_total{event=\"ping\",outcome=\"accepted\"} 1"))
        #expect(text.contains("slipway_webhook_deliveries_total{event=\"ping\",outcome=\"processed\"} 1"))
        #expect(text.contains("slipway_webhook_deliveries_total{event=\"unverified\",outcome=\"unauthorized\"} 1"))
        #expect(text.contains("slipway_http_request_duration_seconds_bucket{route=\"/webhook\",le=\"+Inf\"} 2"))
        #expect(text.contains("slipway_journal_depth 0"))
        // Jobs by state, read from the store at scrape time: every state, zeros included.
        #expect(text.contains("# TYPE slipway_jobs gauge"))
        #expect(text.contains("slipway_jobs{state=\"queued\"} 0"))
        #expect(text.contains("slipway_jobs{state=\"running\"} 0"))
        try bot.app.store.enqueue([PlannedAction(kind: .create, environment: "staging", sha: "a", contentID: "c",
                                                 specFile: "environments/staging.yaml", reason: "test")], trigger: "test", now: Date())
        let after = String(decoding: try bot.get("/metrics").body, as: UTF8.self)
        #expect(after.contains("slipway_jobs{state=\"queued\"} 1"))
    }

    @Test("log lines about a delivery carry its id, and the secret appears in none")
    func logs() throws {
        let bot = try TestBot()
        #expect(try bot.deliver(event: "ping", id: "log-1", body: TestBot.fixture("ping.json")).status == 202)
        _ = try bot.finished("log-1")
        // A delivery whose body contains the secret text: it must be redacted from every log line.
        #expect(try bot.deliver(event: "issues", id: "log-2", body: Data("{\"x\":\"\(TestBot.secret)\"}".utf8)).status == 202)
        _ = try bot.finished("log-2")
        // The worker logs a delivery's end after storing its result: wait for both lines.
        try Eventually.wait(for: "both deliveries' 'delivery finished' lines", timeout: 30) {
            Set(bot.logs.records.filter { $0.message == "delivery finished" }.compactMap { $0.metadata["delivery.id"] }).isSuperset(of: ["log-1", "log-2"])
        }
        let lines = bot.logs.records
        let about = lines.filter { $0.metadata["delivery.id"] == "log-1" }
        #expect(about.contains { $0.message == "delivery journaled" })
        #expect(about.contains { $0.message == "delivery finished" })
        for record in lines {
            let rendered = LogFormat.json.render(record)
            #expect(!rendered.contains(TestBot.secret))
        }
    }
}

enum WebhookSignatureForTests {
    static func sign(_ body: Data, _ secret: String) -> String {
        WebhookSignature.sign(body: body, secret: secret)
    }
}
