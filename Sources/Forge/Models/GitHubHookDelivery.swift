public import Foundation

/// One delivery of a repository webhook or of the App's (`hook-delivery-item` of
/// `repos/list-webhook-deliveries` and `apps/list-webhook-deliveries`).
public struct GitHubHookDelivery: Sendable, Equatable, Decodable {
    /// The delivery's own id (what a redelivery names).
    public var id: Int
    /// The event's id, sent as `X-GitHub-Delivery`: shared by a delivery and its redeliveries.
    public var guid: String
    public var deliveredAt: Date
    public var redelivery: Bool
    /// What the receiver answered (0 or 5xx when GitHub could not reach it).
    public var statusCode: Int
    /// GitHub's words for it (`OK`, `failed to connect`, `Invalid HTTP Response: 502`).
    public var status: String
    public var event: String
    public var action: String?
    /// The App installation the event is about (App webhooks; nil for repository webhooks).
    public var installationID: Int?

    public init(id: Int, guid: String, deliveredAt: Date, redelivery: Bool, statusCode: Int, status: String, event: String,
                action: String? = nil, installationID: Int? = nil) {
        self.id = id
        self.guid = guid
        self.deliveredAt = deliveredAt
        self.redelivery = redelivery
        self.statusCode = statusCode
        self.status = status
        self.event = event
        self.action = action
        self.installationID = installationID
    }

    enum CodingKeys: String, CodingKey {
        case id, guid, redelivery, status, event, action
        case deliveredAt = "delivered_at"
        case statusCode = "status_code"
        case installationID = "installation_id"
    }

    /// Whether the receiver took it (a 2xx).
    public var succeeded: Bool { (200..<300).contains(statusCode) }
}
