/// What `GET /info` tells (the fields Slipway uses).
public struct DockerInfo: Sendable, Decodable, Equatable {
    /// The daemon's id.
    public let id: String
    /// The host name of the daemon's machine.
    public let name: String
    public let serverVersion: String
    public let operatingSystem: String?
    /// CPUs and memory (bytes) the daemon sees.
    public let cpus: Int?
    public let memoryBytes: Int64?
    /// The storage driver, e.g. `overlay2`.
    public let driver: String?
    /// `cgroupfs` or `systemd`, and cgroup version `1` or `2`.
    public let cgroupDriver: String?
    public let cgroupVersion: String?
    public let swarm: SwarmState

    /// The daemon's place in a Swarm.
    public struct SwarmState: Sendable, Decodable, Equatable {
        /// `inactive`, `pending`, `active`, `error` or `locked`.
        public let localNodeState: String
        /// Whether this node is a manager (services can be created through it).
        public let controlAvailable: Bool
        /// This node's id in the Swarm (empty when inactive).
        public let nodeID: String
        /// The error of an `error` state.
        public let error: String?

        /// Whether services can be deployed through this daemon.
        public var isManager: Bool { localNodeState == "active" && controlAvailable }

        enum CodingKeys: String, CodingKey {
            case localNodeState = "LocalNodeState", controlAvailable = "ControlAvailable", nodeID = "NodeID", error = "Error"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            localNodeState = try container.decodeIfPresent(String.self, forKey: .localNodeState) ?? "inactive"
            controlAvailable = try container.decodeIfPresent(Bool.self, forKey: .controlAvailable) ?? false
            nodeID = try container.decodeIfPresent(String.self, forKey: .nodeID) ?? ""
            error = try container.decodeIfPresent(String.self, forKey: .error).flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", name = "Name", serverVersion = "ServerVersion", operatingSystem = "OperatingSystem"
        case cpus = "NCPU", memoryBytes = "MemTotal", driver = "Driver", cgroupDriver = "CgroupDriver"
        case cgroupVersion = "CgroupVersion", swarm = "Swarm"
    }
}
