/// What `GET /services/{id}` tells (the fields Slipway uses).
public struct ServiceDetails: Sendable, Decodable, Equatable {
    public let id: String
    /// The object version `updateService` must name.
    public let version: Int
    public let name: String
    public let labels: [String: String]
    public let image: String
    public let replicas: Int?
    /// `start-first` / `stop-first` and `rollback` / `pause` / `continue`.
    public let updateOrder: String?
    public let failureAction: String?
    /// Ports as the Swarm published them (`PublishedPort` filled in when it chose one).
    public let publishedPorts: [PublishedPort]
    /// The rolling update's state (`updating`, `completed`, `paused`, `rollback_started`,
    /// `rollback_completed`, ...) and message, when an update happened.
    public let updateState: String?
    public let updateMessage: String?

    public struct PublishedPort: Sendable, Decodable, Equatable {
        public let target: Int
        public let published: Int?
        public let mode: String?

        enum CodingKeys: String, CodingKey {
            case target = "TargetPort", published = "PublishedPort", mode = "PublishMode"
        }
    }

    struct RawVersion: Decodable { let Index: Int }
    struct RawSpec: Decodable {
        let Name: String
        let Labels: [String: String]?
        let TaskTemplate: RawTask?
        let Mode: RawMode?
        let UpdateConfig: RawUpdate?
    }
    struct RawTask: Decodable { let ContainerSpec: RawContainer? }
    struct RawContainer: Decodable { let Image: String? }
    struct RawMode: Decodable { let Replicated: RawReplicated? }
    struct RawReplicated: Decodable { let Replicas: Int? }
    struct RawUpdate: Decodable {
        let Order: String?
        let FailureAction: String?
    }
    struct RawEndpoint: Decodable { let Ports: [PublishedPort]? }
    struct RawUpdateStatus: Decodable {
        let State: String?
        let Message: String?
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", version = "Version", spec = "Spec", endpoint = "Endpoint", updateStatus = "UpdateStatus"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        version = try container.decode(RawVersion.self, forKey: .version).Index
        let spec = try container.decode(RawSpec.self, forKey: .spec)
        name = spec.Name
        labels = spec.Labels ?? [:]
        image = spec.TaskTemplate?.ContainerSpec?.Image ?? ""
        replicas = spec.Mode?.Replicated?.Replicas
        updateOrder = spec.UpdateConfig?.Order
        failureAction = spec.UpdateConfig?.FailureAction
        publishedPorts = try container.decodeIfPresent(RawEndpoint.self, forKey: .endpoint)?.Ports ?? []
        let status = try container.decodeIfPresent(RawUpdateStatus.self, forKey: .updateStatus)
        updateState = status?.State
        updateMessage = status?.Message
    }
}
