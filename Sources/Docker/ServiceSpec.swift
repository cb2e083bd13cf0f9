/// What `createService` / `updateService` deploy on a Swarm: a replicated service of `replicas`
/// tasks, rolled with `order: start-first` and rolled back on failure by default, with the same
/// locked-down container defaults as `ContainerSpec`.
///
/// Environment values may be secrets: `description` names the variables only, and the daemon's
/// errors are scrubbed of the values.
public struct ServiceSpec: Sendable, CustomStringConvertible {
    public var name: String
    public var image: String
    /// Replaces the image's `CMD` when set (`Args`).
    public var arguments: [String]?
    public var environment: [String: String]
    /// Labels of the service object.
    public var labels: [String: String]
    /// Labels of each task's container.
    public var containerLabels: [String: String]
    public var replicas: Int
    /// The published port, if any.
    public var port: Port?
    public var memoryBytes: Int64?
    public var cpus: Double?
    public var pidsLimit: Int?
    public var readOnlyRootFilesystem: Bool
    /// tmpfs mounts: container path → size in bytes (nil: unbounded).
    public var tmpfs: [String: Int64?]
    public var dropAllCapabilities: Bool
    public var user: String?
    public var healthCheck: HealthCheck?
    /// Placement constraints, e.g. `node.role==worker`, `node.labels.previews==true`.
    public var constraints: [String]
    /// `start-first` (new task healthy before the old one stops) or `stop-first`.
    public var updateOrder: UpdateOrder
    /// What a failed update does: `rollback`, `pause` or `continue`.
    public var failureAction: FailureAction
    /// Tasks updated at once, and seconds each new task is watched for failure.
    public var updateParallelism: Int
    public var updateMonitor: Double

    /// A published port: `target` in the task, `published` on the nodes (nil: the Swarm picks).
    public struct Port: Sendable, Equatable {
        public var target: Int
        public var published: Int?
        public var mode: PublishMode

        public init(target: Int, published: Int? = nil, mode: PublishMode = .ingress) {
            self.target = target
            self.published = published
            self.mode = mode
        }
    }

    /// `ingress` (the routing mesh: the port on every node, load-balanced; needs IPVS and
    /// iptables) or `host` (the port on the node running each task; with no `published` port
    /// each task gets its own, read from `listTasks`).
    public enum PublishMode: String, Sendable {
        case ingress, host
    }

    public enum UpdateOrder: String, Sendable {
        case startFirst = "start-first", stopFirst = "stop-first"
    }

    public enum FailureAction: String, Sendable {
        case rollback, pause, `continue`
    }

    public init(
        name: String, image: String, arguments: [String]? = nil, environment: [String: String] = [:],
        labels: [String: String] = [:], containerLabels: [String: String] = [:], replicas: Int = 1, port: Port? = nil,
        memoryBytes: Int64? = nil, cpus: Double? = nil, pidsLimit: Int? = nil, readOnlyRootFilesystem: Bool = true,
        tmpfs: [String: Int64?] = ["/tmp": 64 * 1024 * 1024], dropAllCapabilities: Bool = true, user: String? = nil,
        healthCheck: HealthCheck? = nil, constraints: [String] = [], updateOrder: UpdateOrder = .startFirst,
        failureAction: FailureAction = .rollback, updateParallelism: Int = 1, updateMonitor: Double = 5
    ) {
        self.name = name
        self.image = image
        self.arguments = arguments
        self.environment = environment
        self.labels = labels
        self.containerLabels = containerLabels
        self.replicas = replicas
        self.port = port
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.pidsLimit = pidsLimit
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.tmpfs = tmpfs
        self.dropAllCapabilities = dropAllCapabilities
        self.user = user
        self.healthCheck = healthCheck
        self.constraints = constraints
        self.updateOrder = updateOrder
        self.failureAction = failureAction
        self.updateParallelism = updateParallelism
        self.updateMonitor = updateMonitor
    }

    public var description: String {
        "ServiceSpec(name: \(name), image: \(image), replicas: \(replicas), environment: [\(environment.keys.sorted().joined(separator: ", "))] (values hidden))"
    }

    func validate() -> String? {
        if name.isEmpty || !DockerClient.isValidContainerName(name) { return "'\(name.prefix(100))' is not a service name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)" }
        if image.isEmpty { return "the image is empty" }
        if replicas < 0 { return "replicas must be 0 or more" }
        if let name = environment.keys.first(where: { $0.isEmpty || $0.contains("=") || $0.contains("\0") }) {
            return "the environment variable name '\(name.prefix(100))' is empty or contains '=' or NUL"
        }
        if let port, !(1...65535).contains(port.target) || !(0...65535).contains(port.published ?? 0) {
            return "a port is not from 1 to 65535"
        }
        if let memoryBytes, memoryBytes < 6 * 1024 * 1024 { return "the memory limit must be at least 6 MiB" }
        if let cpus, !(cpus > 0 && cpus.isFinite) { return "the CPU limit must be a positive number" }
        if let pidsLimit, pidsLimit < 1 { return "the pids limit must be at least 1" }
        return nil
    }

    /// The `ServiceSpec` body of `POST /services/create` and `/services/{id}/update`.
    func body() -> [String: Any] {
        var container: [String: Any] = [
            "Image": image,
            "Env": environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            "Labels": containerLabels,
            "ReadOnly": readOnlyRootFilesystem,
        ]
        if let arguments { container["Args"] = arguments }
        if let user { container["User"] = user }
        if dropAllCapabilities { container["CapabilityDrop"] = ["ALL"] }
        if let healthCheck { container["HealthCheck"] = healthCheck.body() }
        if !tmpfs.isEmpty {
            container["Mounts"] = tmpfs.sorted { $0.key < $1.key }.map { path, size -> [String: Any] in
                var options: [String: Any] = ["Mode": 0o1777]
                if let size { options["SizeBytes"] = size }
                return ["Type": "tmpfs", "Target": path, "TmpfsOptions": options]
            }
        }
        var limits: [String: Any] = [:]
        if let memoryBytes { limits["MemoryBytes"] = memoryBytes }
        if let cpus { limits["NanoCPUs"] = Int64((cpus * 1e9).rounded()) }
        if let pidsLimit { limits["Pids"] = pidsLimit }
        var task: [String: Any] = [
            "ContainerSpec": container,
            "Resources": ["Limits": limits],
            "RestartPolicy": ["Condition": "on-failure", "MaxAttempts": 3],
        ]
        if !constraints.isEmpty { task["Placement"] = ["Constraints": constraints] }
        var body: [String: Any] = [
            "Name": name,
            "Labels": labels,
            "TaskTemplate": task,
            "Mode": ["Replicated": ["Replicas": replicas]],
            "UpdateConfig": [
                "Parallelism": updateParallelism, "Order": updateOrder.rawValue, "FailureAction": failureAction.rawValue,
                "Monitor": Int64((updateMonitor * 1e9).rounded()),
            ],
            "RollbackConfig": ["Parallelism": updateParallelism, "Order": updateOrder.rawValue, "FailureAction": "pause"],
        ]
        if let port {
            var entry: [String: Any] = ["Protocol": "tcp", "TargetPort": port.target, "PublishMode": port.mode.rawValue]
            if let published = port.published { entry["PublishedPort"] = published }
            body["EndpointSpec"] = ["Mode": "vip", "Ports": [entry]]
        }
        return body
    }
}
