public import Foundation

/// Where a journaled webhook delivery stands.
public enum DeliveryStatus: String, Sendable, CaseIterable, Codable {
    /// Journaled, waiting for a worker.
    case pending
    /// Taken by a worker under a lease.
    case processing
    /// Decoded and acted on.
    case processed
    /// Verified but not for us (unknown event or action, another repository); kept with the reason.
    case ignored
    /// Verified but could not be decoded; kept with the field path that failed.
    case rejected
    /// Processing failed after the allowed attempts.
    case failed

    /// True once no worker will take the delivery again (until a replay).
    public var isFinal: Bool {
        switch self {
        case .pending, .processing: false
        case .processed, .ignored, .rejected, .failed: true
        }
    }
}

/// A verified delivery, as the ingress hands it to the journal.
public struct NewDelivery: Sendable, Equatable {
    public let id: String
    public let event: String
    public let receivedAt: Date
    public let contentType: String?
    /// Request headers worth keeping (never the signature headers).
    public let headers: [String: String]
    /// The raw request body exactly as received (the signature covers these bytes).
    public let body: Data
    /// A hex digest that identifies `body` (the ingress gives the SHA-256 of the body's HMAC
    /// under the webhook secret): the same signed body journaled again under another delivery id
    /// is a replay (the signature covers no id or timestamp), answered as a duplicate.
    public let bodySHA256: String?

    public init(id: String, event: String, receivedAt: Date, contentType: String?, headers: [String: String], body: Data,
                bodySHA256: String? = nil) {
        self.bodySHA256 = bodySHA256
        self.id = id
        self.event = event
        self.receivedAt = receivedAt
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }
}

/// A delivery as the journal holds it.
public struct DeliveryRecord: Sendable, Equatable {
    /// The journal's own ordering (first journaled, first processed).
    public let sequence: Int64
    public let id: String
    public let event: String
    public let action: String?
    public let receivedAt: Date
    public let contentType: String?
    public let headers: [String: String]
    /// Empty in listings (`deliveries(limit:)`); the full body from `delivery(id:)` and claims.
    public var body: Data
    public let bodySize: Int
    public let status: DeliveryStatus
    public let reason: String?
    public let fieldPath: String?
    public let attempts: Int
    public let replays: Int
    public let finishedAt: Date?

    public init(
        sequence: Int64, id: String, event: String, action: String?, receivedAt: Date,
        contentType: String?, headers: [String: String], body: Data, bodySize: Int,
        status: DeliveryStatus, reason: String?, fieldPath: String?, attempts: Int, replays: Int,
        finishedAt: Date?
    ) {
        self.sequence = sequence
        self.id = id
        self.event = event
        self.action = action
        self.receivedAt = receivedAt
        self.contentType = contentType
        self.headers = headers
        self.body = body
        self.bodySize = bodySize
        self.status = status
        self.reason = reason
        self.fieldPath = fieldPath
        self.attempts = attempts
        self.replays = replays
        self.finishedAt = finishedAt
    }
}

/// What journaling a delivery did.
public enum JournalOutcome: Sendable, Equatable {
    /// Newly journaled: a worker will process it.
    case accepted
    /// The same delivery id was journaled before; nothing was written.
    case duplicate(DeliveryStatus)
}

/// How a worker finished a delivery.
public struct DeliveryResult: Sendable, Equatable {
    public let status: DeliveryStatus
    public let action: String?
    public let reason: String?
    public let fieldPath: String?

    public init(status: DeliveryStatus, action: String? = nil, reason: String? = nil, fieldPath: String? = nil) {
        self.status = status
        self.action = action
        self.reason = reason
        self.fieldPath = fieldPath
    }
}
