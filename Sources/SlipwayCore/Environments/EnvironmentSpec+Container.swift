/// `deploy.driver: container`: the app as a container (or a Swarm service) on the Docker Engine
/// API, and `route:`, the public host staging and production may name for themselves.
extension EnvironmentSpec {
    /// What `deploy.driver: container` runs (`deploy.build`/`deploy.image`, `port`, `resources`,
    /// `read_only`, `mode`, `replicas`, `placement`).
    public struct Container: Sendable, Equatable {
        /// Where the image comes from.
        public enum Source: Sendable, Equatable {
            /// Built from the checkout (the build context, `.git` left out) with this Dockerfile,
            /// a path inside the checkout.
            case dockerfile(String)
            /// An image the daemon has or can pull (`NAME:TAG`).
            case image(String)
        }

        /// `single` (one container, blue/green) or `swarm` (a replicated Swarm service, rolled
        /// start-first with rollback on failure).
        public enum Mode: String, Sendable, Equatable, CaseIterable {
            case single, swarm
        }

        public var source: Source
        /// The port the app listens on inside the container.
        public var port: Int
        /// Memory in bytes, CPUs, and the most processes/threads (nil: unlimited by the spec).
        public var memory: Int64?
        public var cpus: Double?
        public var pids: Int?
        /// A read-only root file system with a tmpfs `/tmp` (the default).
        public var readOnly: Bool
        public var mode: Mode
        /// Swarm mode: the number of tasks.
        public var replicas: Int
        /// Swarm mode: placement constraints (`node.labels.previews==true`).
        public var placement: [String]

        public init(source: Source, port: Int, memory: Int64? = nil, cpus: Double? = nil, pids: Int? = nil, readOnly: Bool = true,
                    mode: Mode = .single, replicas: Int = 1, placement: [String] = []) {
            self.source = source
            self.port = port
            self.memory = memory
            self.cpus = cpus
            self.pids = pids
            self.readOnly = readOnly
            self.mode = mode
            self.replicas = replicas
            self.placement = placement
        }
    }

    /// `route: { host: staging.example.com }`: the public host of a staging or production
    /// environment (previews always get `<env>.<preview-domain>`).
    public struct Route: Sendable, Equatable {
        public var host: String

        public init(host: String) {
            self.host = host
        }
    }
}
