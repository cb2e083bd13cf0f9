public import SlipwayCore

/// Gives environments URLs a reviewer can open: a reverse proxy (Caddy, through its admin API)
/// that routes each environment's public host to its upstream. Deploy drivers call `route` once
/// a new version is healthy (the switch is atomic: the old version keeps serving until then) and
/// `remove` at teardown; the bot calls `sync` at start so a restart of the bot or of the router
/// converges. Without a router an environment's URL is its loop-back address.
public protocol EnvironmentRouter: Sendable {
    /// The public URL of `environment` (`https://<env>.<preview-domain>`, or the spec's own host
    /// for staging and production), whether or not it is routed yet.
    func publicURL(environment: String, kind: EnvironmentKind, host: String?) -> String
    /// Points the environment's host at `upstreams` (`127.0.0.1:PORT`, several for replicas),
    /// replacing its previous route in one change. Returns the public URL.
    @discardableResult
    func route(_ route: EnvironmentRoute) throws -> String
    /// Removes the environment's route (idempotent).
    func remove(environment: String) throws
    /// Makes the router hold exactly `routes` in Slipway's part of its configuration (and
    /// nothing of anyone else's is touched).
    func sync(_ routes: [EnvironmentRoute]) throws
    /// Whether `host` belongs to a live environment (on-demand TLS asks before issuing a certificate).
    func allowsCertificate(for host: String) -> Bool
}

/// One environment's route.
public struct EnvironmentRoute: Sendable, Equatable {
    public var environment: String
    public var kind: EnvironmentKind
    /// The spec's `route.host` (staging, production), or nil for `<env>.<preview-domain>`.
    public var host: String?
    /// `HOST:PORT` of the version that serves (several for replicas).
    public var upstreams: [String]

    public init(environment: String, kind: EnvironmentKind, host: String? = nil, upstreams: [String]) {
        self.environment = environment
        self.kind = kind
        self.host = host
        self.upstreams = upstreams
    }
}
