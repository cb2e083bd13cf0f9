import Crypto
import Foundation
import HTTPClient
import HTTPTypes
import Server
import SlipwayCore
import Store
import TestSupport

/// A bot built through the composition root on port 0 with a temp work dir and SQLite store.
final class TestBot: @unchecked Sendable {
    static let secret = "It's a Secret to Everybody"

    let directory: TemporaryDirectory
    let app: BotApplication
    let logs = MemoryLogSink()
    let handler: CountingHandler
    let client = HTTPClient()

    /// `directory` reuses a work dir (a restart); `storePath` puts the SQLite store elsewhere.
    init(maxBody: Int = 25 * 1024 * 1024, connectionTimeout: Int = 10, handler: CountingHandler? = CountingHandler(),
         repo: String? = nil, reconcileAtStart: Bool = true, directory reused: TemporaryDirectory? = nil, storePath: String? = nil,
         runnerWorkers: Int = 2) throws {
        directory = try reused ?? TemporaryDirectory(prefix: "slipway-bot")
        self.handler = handler ?? CountingHandler()
        var configuration = BotConfiguration(
            repo: repo, listenHost: "127.0.0.1", listenPort: 0, webhookPath: "/webhook",
            webhookSecret: Array(Self.secret.utf8),
            store: .sqlite(path: storePath ?? directory.child("state.db"), synchronousFull: false),
            workDir: directory.path, maxBody: maxBody, logFormat: .json, logLevel: .debug, deliveryWorkers: 2,
            connectionTimeout: connectionTimeout, reconcileInterval: 3600
        )
        configuration.reconcileAtStart = reconcileAtStart
        // A uid range of its own: tests run side by side.
        configuration.isolationUIDs = (3_000_000 + UInt32.random(in: 0..<50_000) * 100, 100)
        configuration.runnerWorkers = runnerWorkers
        app = try BotApplication.build(configuration: configuration, logger: Logger(sink: logs, minimumLevel: .debug), handler: handler)
        try app.start()
    }

    deinit { app.stop() }

    var base: String { "http://127.0.0.1:\(app.port)" }

    /// POSTs `body` to the webhook path with GitHub's headers, signed unless told otherwise.
    func deliver(
        event: String?, id: String?, body: Data, contentType: String = "application/json",
        signature: String?? = .none, path: String = "/webhook"
    ) throws -> HTTPClientResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", contentType)
        headers.add("User-Agent", "GitHub-Hookshot/044aadd")
        if let event { headers.add("X-GitHub-Event", event) }
        if let id { headers.add("X-GitHub-Delivery", id) }
        switch signature {
        case .none: headers.add("X-Hub-Signature-256", WebhookSignature.sign(body: body, secret: Self.secret))
        case .some(.some(let value)): headers.add("X-Hub-Signature-256", value)
        case .some(.none): break
        }
        return try client.send(HTTPClientRequest(method: "POST", url: base + path, headers: headers, body: body))
    }

    func get(_ path: String) throws -> HTTPClientResponse {
        try client.send(HTTPClientRequest(method: "GET", url: base + path))
    }

    /// Waits until the delivery reached a final status in the journal and the reconcile it
    /// asked for (if any) has run.
    func finished(_ id: String) throws -> DeliveryRecord {
        let record: DeliveryRecord = try Eventually.value(of: "delivery \(id) to be processed") {
            guard let record = try app.store.delivery(id: id), record.status.isFinal else { return nil }
            return record
        }
        guard app.waitUntilReconciled(timeout: 60) else {
            throw CommandFailureForTest(message: "timed out after 60 s waiting for the reconcile after \(id)")
        }
        return record
    }

    static func fixture(_ name: String) throws -> Data {
        try Fixtures.data(name)
    }

    /// A fixture made unique by a `slipway_test_nonce` field: the journal answers the same body
    /// under another delivery id as a replay, so tests that send one event several times vary it.
    static func fixture(_ name: String, nonce: String) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: Fixtures.data(name)) as! [String: Any]
        object["slipway_test_nonce"] = nonce
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}

/// Counts the events the workers hand over, per delivery id.
final class CountingHandler: DeliveryHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String: Int] = [:]
    private var events: [WebhookEvent] = []
    var failuresBeforeSuccess = 0

    func handle(_ event: WebhookEvent, delivery: DeliveryRecord, logger: Logger) throws {
        lock.lock()
        defer { lock.unlock() }
        if failuresBeforeSuccess > 0 {
            failuresBeforeSuccess -= 1
            throw CommandFailureForTest(message: "planned failure")
        }
        seen[delivery.id, default: 0] += 1
        events.append(event)
    }

    func count(_ id: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return seen[id] ?? 0
    }

    var handled: [WebhookEvent] {
        lock.lock()
        defer { lock.unlock() }
        return events
    }
}

struct CommandFailureForTest: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
