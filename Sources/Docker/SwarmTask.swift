/// One task of a Swarm service, from `GET /tasks`.
public struct SwarmTask: Sendable, Decodable, Equatable {
    public let id: String
    public let serviceID: String
    public let nodeID: String?
    public let slot: Int?
    /// `new`, `pending`, `assigned`, `accepted`, `preparing`, `starting`, `running`, `complete`,
    /// `shutdown`, `failed`, `rejected`, ...
    public let state: String
    /// What the Swarm wants it to be (`running`, `shutdown`).
    public let desiredState: String
    /// The error of a failed or rejected task.
    public let error: String?
    public let containerID: String?
    /// Host-mode ports the task publishes on its node (`PortStatus`).
    public let hostPorts: [ServiceDetails.PublishedPort]

    struct RawStatus: Decodable {
        let State: String?
        let Err: String?
        let ContainerStatus: RawContainerStatus?
        let PortStatus: RawPortStatus?
    }
    struct RawContainerStatus: Decodable { let ContainerID: String? }
    struct RawPortStatus: Decodable { let Ports: [ServiceDetails.PublishedPort]? }

    enum CodingKeys: String, CodingKey {
        case id = "ID", serviceID = "ServiceID", nodeID = "NodeID", slot = "Slot", status = "Status", desiredState = "DesiredState"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        serviceID = try container.decodeIfPresent(String.self, forKey: .serviceID) ?? ""
        nodeID = try container.decodeIfPresent(String.self, forKey: .nodeID)
        slot = try container.decodeIfPresent(Int.self, forKey: .slot)
        desiredState = try container.decodeIfPresent(String.self, forKey: .desiredState) ?? ""
        let status = try container.decodeIfPresent(RawStatus.self, forKey: .status)
        state = status?.State ?? "unknown"
        error = status?.Err.flatMap { $0.isEmpty ? nil : $0 }
        containerID = status?.ContainerStatus?.ContainerID.flatMap { $0.isEmpty ? nil : $0 }
        hostPorts = status?.PortStatus?.Ports ?? []
    }
}
