/// One node of a Swarm, from `GET /nodes/{id}`: where its host-mode ports are reached.
public struct SwarmNode: Sendable, Decodable, Equatable {
    public let id: String
    public let hostname: String
    /// `manager` or `worker`.
    public let role: String
    /// `active`, `pause` or `drain`.
    public let availability: String
    /// `ready`, `down`, `unknown`, `disconnected`.
    public let state: String
    /// The address other nodes reach it at (`Status.Addr`); empty when the daemon did not say.
    public let address: String
    /// The operator's labels (`docker node update --label-add previews=true`).
    public let labels: [String: String]

    struct RawSpec: Decodable {
        let Role: String?
        let Availability: String?
        let Labels: [String: String]?
    }
    struct RawDescription: Decodable { let Hostname: String? }
    struct RawStatus: Decodable {
        let State: String?
        let Addr: String?
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", spec = "Spec", description = "Description", status = "Status"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let spec = try container.decodeIfPresent(RawSpec.self, forKey: .spec)
        role = spec?.Role ?? ""
        availability = spec?.Availability ?? ""
        labels = spec?.Labels ?? [:]
        hostname = try container.decodeIfPresent(RawDescription.self, forKey: .description)?.Hostname ?? ""
        let status = try container.decodeIfPresent(RawStatus.self, forKey: .status)
        state = status?.State ?? "unknown"
        address = status?.Addr ?? ""
    }
}
