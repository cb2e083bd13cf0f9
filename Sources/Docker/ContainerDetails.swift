/// What `GET /containers/{id}/json` tells (the fields Slipway uses; the environment is left out
/// on purpose: it holds secrets).
public struct ContainerDetails: Sendable, Decodable, Equatable {
    public let id: String
    /// The name without Docker's leading `/`.
    public let name: String
    /// The image id the container runs (`sha256:...`) and the name it was created from.
    public let imageID: String
    public let imageName: String
    public let labels: [String: String]
    public let user: String?
    public let state: State
    public let limits: Limits
    /// Published ports: `"8080/tcp"` → the host bindings.
    public let ports: [String: [HostBinding]]

    /// The container's run state.
    public struct State: Sendable, Decodable, Equatable {
        /// `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`.
        public let status: String
        public let running: Bool
        public let exitCode: Int
        public let oomKilled: Bool
        public let error: String?
        public let startedAt: String?
        public let finishedAt: String?
        /// `starting`, `healthy` or `unhealthy` when the container has a health check.
        public let health: String?
        /// The output of the latest health probe.
        public let lastHealthOutput: String?

        enum CodingKeys: String, CodingKey {
            case status = "Status", running = "Running", exitCode = "ExitCode", oomKilled = "OOMKilled", error = "Error"
            case startedAt = "StartedAt", finishedAt = "FinishedAt", health = "Health"
        }

        struct RawHealth: Decodable {
            let Status: String?
            let Log: [RawProbe]?
        }

        struct RawProbe: Decodable {
            let Output: String?
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decodeIfPresent(String.self, forKey: .status) ?? "unknown"
            running = try container.decodeIfPresent(Bool.self, forKey: .running) ?? false
            exitCode = try container.decodeIfPresent(Int.self, forKey: .exitCode) ?? 0
            oomKilled = try container.decodeIfPresent(Bool.self, forKey: .oomKilled) ?? false
            error = try container.decodeIfPresent(String.self, forKey: .error).flatMap { $0.isEmpty ? nil : $0 }
            startedAt = try container.decodeIfPresent(String.self, forKey: .startedAt)
            finishedAt = try container.decodeIfPresent(String.self, forKey: .finishedAt)
            let raw = try container.decodeIfPresent(RawHealth.self, forKey: .health)
            health = raw?.Status.flatMap { $0.isEmpty || $0 == "none" ? nil : $0 }
            lastHealthOutput = raw?.Log?.last?.Output
        }
    }

    /// The limits and hardening the container runs with (its `HostConfig`).
    public struct Limits: Sendable, Decodable, Equatable {
        /// Bytes; 0 is unlimited.
        public let memoryBytes: Int64
        /// CPUs × 10⁹; 0 is unlimited.
        public let nanoCPUs: Int64
        /// nil or ≤ 0 is unlimited.
        public let pidsLimit: Int?
        public let readOnlyRootFilesystem: Bool
        public let capDrop: [String]
        public let securityOptions: [String]
        public let tmpfs: [String: String]

        enum CodingKeys: String, CodingKey {
            case memoryBytes = "Memory", nanoCPUs = "NanoCpus", pidsLimit = "PidsLimit", readOnlyRootFilesystem = "ReadonlyRootfs"
            case capDrop = "CapDrop", securityOptions = "SecurityOpt", tmpfs = "Tmpfs"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            memoryBytes = try container.decodeIfPresent(Int64.self, forKey: .memoryBytes) ?? 0
            nanoCPUs = try container.decodeIfPresent(Int64.self, forKey: .nanoCPUs) ?? 0
            pidsLimit = try container.decodeIfPresent(Int.self, forKey: .pidsLimit)
            readOnlyRootFilesystem = try container.decodeIfPresent(Bool.self, forKey: .readOnlyRootFilesystem) ?? false
            capDrop = try container.decodeIfPresent([String].self, forKey: .capDrop) ?? []
            securityOptions = try container.decodeIfPresent([String].self, forKey: .securityOptions) ?? []
            tmpfs = try container.decodeIfPresent([String: String].self, forKey: .tmpfs) ?? [:]
        }
    }

    /// A host address and port a container port is published on.
    public struct HostBinding: Sendable, Decodable, Equatable {
        public let hostIP: String
        public let hostPort: Int

        enum CodingKeys: String, CodingKey {
            case hostIP = "HostIp", hostPort = "HostPort"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            hostIP = try container.decodeIfPresent(String.self, forKey: .hostIP) ?? ""
            hostPort = Int(try container.decodeIfPresent(String.self, forKey: .hostPort) ?? "") ?? 0
        }
    }

    /// The host port `containerPort`/tcp is published on (the first binding), if any.
    public func publishedPort(_ containerPort: Int) -> Int? {
        ports["\(containerPort)/tcp"]?.first { $0.hostPort > 0 }?.hostPort
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", name = "Name", imageID = "Image", config = "Config", state = "State", hostConfig = "HostConfig"
        case networkSettings = "NetworkSettings"
    }

    struct RawConfig: Decodable {
        let Image: String?
        let Labels: [String: String]?
        let User: String?
    }

    struct RawNetworkSettings: Decodable {
        let Ports: [String: [HostBinding]?]?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let rawName = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        name = rawName.hasPrefix("/") ? String(rawName.dropFirst()) : rawName
        imageID = try container.decodeIfPresent(String.self, forKey: .imageID) ?? ""
        let config = try container.decodeIfPresent(RawConfig.self, forKey: .config)
        imageName = config?.Image ?? ""
        labels = config?.Labels ?? [:]
        user = config?.User.flatMap { $0.isEmpty ? nil : $0 }
        state = try container.decode(State.self, forKey: .state)
        limits = try container.decode(Limits.self, forKey: .hostConfig)
        let network = try container.decodeIfPresent(RawNetworkSettings.self, forKey: .networkSettings)
        ports = (network?.Ports ?? [:]).compactMapValues { $0 }
    }
}
