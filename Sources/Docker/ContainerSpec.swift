/// What `createContainer` makes: the image and command, environment, labels, one published port
/// and the limits. The defaults are the locked-down ones a preview runs with: read-only root
/// file system with a tmpfs `/tmp`, no new privileges, every capability dropped.
///
/// Environment values may be secrets: `description` names the variables only, and errors from
/// the daemon are scrubbed of the values.
public struct ContainerSpec: Sendable, CustomStringConvertible {
    /// The image (name:tag or id).
    public var image: String
    /// Replaces the image's `CMD` when set.
    public var command: [String]?
    /// Replaces the image's `ENTRYPOINT` when set (`[]` clears it, so `command` runs alone).
    public var entrypoint: [String]?
    /// Environment variables (names must not contain `=`).
    public var environment: [String: String]
    public var labels: [String: String]
    /// The port published on the host, if any.
    public var port: PublishedPort?
    /// Memory limit in bytes (swap is limited to the same, i.e. none).
    public var memoryBytes: Int64?
    /// CPU limit in CPUs (0.5 = half a CPU).
    public var cpus: Double?
    /// The most processes/threads.
    public var pidsLimit: Int?
    public var readOnlyRootFilesystem: Bool
    /// tmpfs mounts: container path to mount options (e.g. `/tmp` → `rw,noexec,nosuid,size=64m`).
    public var tmpfs: [String: String]
    /// `no-new-privileges` (setuid binaries cannot gain privileges).
    public var noNewPrivileges: Bool
    /// Drops every Linux capability (`CapDrop: ["ALL"]`).
    public var dropAllCapabilities: Bool
    /// `user[:group]` (names or numbers) the process runs as; nil keeps the image's.
    public var user: String?
    /// A health check replacing the image's, if any.
    public var healthCheck: HealthCheck?
    /// Seconds `stop` waits before killing (nil: the daemon's 10).
    public var stopTimeout: Int?
    /// The network (`bridge` by default; `none` for no network).
    public var networkMode: String
    /// Restarts the container when it exits with an error, at most this many times in a row
    /// (Docker's `on-failure` policy, with its own growing delay); nil: never restarted.
    public var restartOnFailure: Int?

    /// A container port published on a host address.
    public struct PublishedPort: Sendable, Equatable {
        /// The port inside the container.
        public var containerPort: Int
        /// The host address to bind (loopback by default: only a local router reaches it).
        public var hostIP: String
        /// The host port; nil lets the daemon choose a free one (read it back from inspect).
        public var hostPort: Int?

        public init(containerPort: Int, hostIP: String = "127.0.0.1", hostPort: Int? = nil) {
            self.containerPort = containerPort
            self.hostIP = hostIP
            self.hostPort = hostPort
        }
    }

    public init(
        image: String, command: [String]? = nil, environment: [String: String] = [:], labels: [String: String] = [:],
        port: PublishedPort? = nil, memoryBytes: Int64? = nil, cpus: Double? = nil, pidsLimit: Int? = nil,
        readOnlyRootFilesystem: Bool = true, tmpfs: [String: String] = ["/tmp": "rw,noexec,nosuid,size=64m"],
        noNewPrivileges: Bool = true, dropAllCapabilities: Bool = true, user: String? = nil,
        healthCheck: HealthCheck? = nil, stopTimeout: Int? = nil, networkMode: String = "bridge", restartOnFailure: Int? = nil,
        entrypoint: [String]? = nil
    ) {
        self.image = image
        self.command = command
        self.environment = environment
        self.labels = labels
        self.port = port
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.pidsLimit = pidsLimit
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.tmpfs = tmpfs
        self.noNewPrivileges = noNewPrivileges
        self.dropAllCapabilities = dropAllCapabilities
        self.user = user
        self.healthCheck = healthCheck
        self.stopTimeout = stopTimeout
        self.networkMode = networkMode
        self.restartOnFailure = restartOnFailure
        self.entrypoint = entrypoint
    }

    public var description: String {
        "ContainerSpec(image: \(image), environment: [\(environment.keys.sorted().joined(separator: ", "))] (values hidden), labels: \(labels.count), port: \(port.map { String($0.containerPort) } ?? "none"))"
    }

    /// Checks what the daemon would otherwise refuse with a less clear message.
    func validate() -> String? {
        if image.isEmpty { return "the image is empty" }
        if let name = environment.keys.first(where: { $0.isEmpty || $0.contains("=") || $0.contains("\0") }) {
            return "the environment variable name '\(name.prefix(100))' is empty or contains '=' or NUL"
        }
        if let port, !(1...65535).contains(port.containerPort) || !(0...65535).contains(port.hostPort ?? 0) {
            return "a port is not from 1 to 65535"
        }
        if let memoryBytes, memoryBytes < 6 * 1024 * 1024 { return "the memory limit must be at least 6 MiB (Docker's minimum)" }
        if let cpus, !(cpus > 0 && cpus.isFinite) { return "the CPU limit must be a positive number" }
        if let pidsLimit, pidsLimit < 1 { return "the pids limit must be at least 1" }
        if let restartOnFailure, restartOnFailure < 0 { return "the restart count must be 0 or more" }
        return nil
    }

    /// The `POST /containers/create` body.
    func body() -> [String: Any] {
        var hostConfig: [String: Any] = [
            "ReadonlyRootfs": readOnlyRootFilesystem,
            "NetworkMode": networkMode,
            "Init": false,
        ]
        if !tmpfs.isEmpty { hostConfig["Tmpfs"] = tmpfs }
        if noNewPrivileges { hostConfig["SecurityOpt"] = ["no-new-privileges:true"] }
        if dropAllCapabilities { hostConfig["CapDrop"] = ["ALL"] }
        if let memoryBytes {
            hostConfig["Memory"] = memoryBytes
            hostConfig["MemorySwap"] = memoryBytes
        }
        if let cpus { hostConfig["NanoCpus"] = Int64((cpus * 1e9).rounded()) }
        if let pidsLimit { hostConfig["PidsLimit"] = pidsLimit }
        if let restartOnFailure { hostConfig["RestartPolicy"] = ["Name": "on-failure", "MaximumRetryCount": restartOnFailure] }
        var body: [String: Any] = [
            "Image": image,
            "Env": environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            "Labels": labels,
        ]
        if let port {
            let key = "\(port.containerPort)/tcp"
            body["ExposedPorts"] = [key: [String: Any]()]
            hostConfig["PortBindings"] = [key: [["HostIp": port.hostIP, "HostPort": port.hostPort.map(String.init) ?? ""]]]
        }
        if let command { body["Cmd"] = command }
        if let entrypoint { body["Entrypoint"] = entrypoint }
        if let user { body["User"] = user }
        if let healthCheck { body["Healthcheck"] = healthCheck.body() }
        if let stopTimeout { body["StopTimeout"] = stopTimeout }
        body["HostConfig"] = hostConfig
        return body
    }
}
