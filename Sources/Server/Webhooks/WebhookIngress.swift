import Foundation
import Crypto
public import HTTPTypes
public import SlipwayCore
public import Store

/// The webhook edge: verifies, journals, answers. It fails closed (nothing unverified is
/// journaled), stays bounded (the HTTP server caps the body before reading it), and answers fast
/// (processing happens in workers that read the journal).
public struct WebhookIngress: Sendable {
    /// Headers worth keeping with a delivery. Signature headers are deliberately absent.
    static let keptHeaders = [
        "X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID",
        "X-GitHub-Hook-Installation-Target-Type", "X-GitHub-Hook-Installation-Target-ID",
        "X-GitHub-Enterprise-Version", "X-GitHub-Enterprise-Host", "User-Agent", "Content-Type",
    ]

    let secret: [UInt8]
    let store: any Store
    let metrics: Metrics
    let logger: Logger
    /// Called after a delivery is newly journaled (wakes the delivery workers).
    let onAccepted: @Sendable () -> Void
    /// Rejections are logged at most 10 a second (bad traffic must not flood the logs).
    let rejections = LogThrottle()

    public init(secret: [UInt8], store: any Store, metrics: Metrics, logger: Logger, onAccepted: @escaping @Sendable () -> Void = {}) {
        self.secret = secret
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.onAccepted = onAccepted
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let eventName = request.headers["X-GitHub-Event"] ?? "unknown"
        let metricEvent = Self.metricLabel(eventName)

        // 1. Authenticate before anything else: the unauthenticated learn nothing more than 401.
        guard let code = WebhookSignature.verifiedCode(body: request.body, secret: secret, header: request.headers["X-Hub-Signature-256"]) else {
            // Unverified headers are attacker-chosen: never let them pick metric labels.
            metrics.countDelivery(event: "unverified", outcome: "unauthorized")
            let reason = request.headers["X-Hub-Signature-256"] == nil ? "missing X-Hub-Signature-256 header" : "signature does not match"
            rejected(logger, ["reason": reason, "remote": request.remoteAddress ?? "?"])
            return Self.answer(401, ["error": "unauthorized", "reason": reason])
        }

        // 2. Headers GitHub always sends.
        let headers: DeliveryHeaders
        switch DeliveryHeaders.parse({ request.headers[$0] }) {
        case .success(let parsed): headers = parsed
        case .failure(let error):
            metrics.countDelivery(event: metricEvent, outcome: "bad_request")
            rejected(logger, ["reason": "\(error)"])
            return Self.answer(400, ["error": "bad request", "reason": "\(error)"])
        }
        // Built where a line is written: the accepted path logs at info, which busy bots often
        // turn off.
        var log: Logger { logger.with(["delivery.id": headers.deliveryID, "event": headers.event]) }

        // 3. The body must be what it says it is.
        let contentType = request.headers["Content-Type"]
        let payload: Data
        switch WebhookBody.payload(contentType: contentType, body: request.body) {
        case .success(let data): payload = data
        case .failure(let error):
            if case .unsupportedMediaType = error {
                metrics.countDelivery(event: metricEvent, outcome: "unsupported_media_type")
                rejected(log, ["reason": "\(error)"])
                return Self.answer(415, ["error": "unsupported media type", "reason": "\(error)", "delivery": headers.deliveryID])
            }
            metrics.countDelivery(event: metricEvent, outcome: "bad_request")
            rejected(log, ["reason": "\(error)"])
            return Self.answer(400, ["error": "bad request", "reason": "\(error)", "delivery": headers.deliveryID])
        }
        guard WebhookDecoder.isJSONObject(payload) else {
            metrics.countDelivery(event: metricEvent, outcome: "bad_request")
            rejected(log, ["reason": "body is not a JSON object"])
            return Self.answer(400, ["error": "bad request", "reason": "body is not a JSON object", "delivery": headers.deliveryID])
        }

        // 4. Journal durably, then acknowledge.
        var kept: [String: String] = [:]
        for name in Self.keptHeaders {
            if let value = request.headers[name] { kept[name] = value }
        }
        let delivery = NewDelivery(
            id: headers.deliveryID, event: headers.event, receivedAt: Date(),
            contentType: contentType, headers: kept, body: request.body,
            bodySHA256: Self.bodyIdentity(code)
        )
        do {
            switch try store.journal(delivery) {
            case .accepted:
                metrics.countDelivery(event: metricEvent, outcome: "accepted")
                if logger.writes(.info) { log.info("delivery journaled", ["bytes": "\(request.body.count)"]) }
                onAccepted()
                return Self.accepted(headers.deliveryID)
            case .duplicate(let status):
                metrics.countDelivery(event: metricEvent, outcome: "duplicate")
                log.info("duplicate delivery ignored", ["status": status.rawValue])
                return Self.answer(200, ["status": "duplicate", "delivery": headers.deliveryID, "journal_status": status.rawValue])
            }
        } catch {
            metrics.countDelivery(event: metricEvent, outcome: "journal_error")
            log.error("journal unavailable", ["error": "\(error)"])
            return Self.answer(503, ["error": "journal unavailable", "delivery": headers.deliveryID])
        }
    }

    /// What the journal de-duplicates bodies by: the SHA-256 of the body's HMAC under the
    /// webhook secret (computed anyway to verify it), so the 28 KB body is hashed once, not
    /// twice. The same body under the same secret always gives the same value, and a replay must
    /// carry a signature under the current secret; the value tells nothing about the secret, the
    /// signature or the body (a hash of a MAC).
    static func bodyIdentity(_ code: [UInt8]) -> String {
        Hex.encode(SHA256.hash(code))
    }

    func rejected(_ logger: Logger, _ fields: [String: String]) {
        let (write, suppressed) = rejections.admit()
        guard write else { return }
        var fields = fields
        if suppressed > 0 { fields["suppressed"] = "\(suppressed)" }
        logger.warning("webhook rejected", fields)
    }

    /// Event names become metric labels; unknown garbage is folded so labels stay bounded.
    static func metricLabel(_ event: String) -> String {
        let allowed = event.count <= 64 && event.allSatisfy { $0.isLetter || $0 == "_" }
        return allowed ? event : "other"
    }

    /// `202 {"delivery":"<id>","status":"accepted"}`: `answer(202, ...)` without sorting a
    /// dictionary on the hot path (the id is checked to need no escaping, quoted anyway).
    static func accepted(_ deliveryID: String) -> HTTPResponse {
        let body = "{\"delivery\":" + JSONString.quote(deliveryID) + ",\"status\":\"accepted\"}\n"
        return HTTPResponse(status: 202, body: Data(body.utf8), contentType: "application/json")
    }

    static func answer(_ status: Int, _ fields: [String: String]) -> HTTPResponse {
        let body = "{" + fields.sorted { $0.key < $1.key }
            .map { "\(JSONString.quote($0.key)):\(JSONString.quote($0.value))" }
            .joined(separator: ",") + "}\n"
        return HTTPResponse(status: status, body: Data(body.utf8), contentType: "application/json")
    }
}
