import Foundation
public import HTTPClient
public import Runner
public import SlipwayCore
import Synchronization

/// Routes environments through Caddy, programmed over its admin API (JSON config, `/config/`
/// and `/id/<id>` paths). Slipway owns only its own server and the few TLS entries `CaddyConfig`
/// lists; everything else in Caddy's configuration is the operator's and left as it is.
///
/// - `route` changes one environment in one request (`PATCH /id/slipway-env-<name>`, or an
///   insert when it is new): Caddy swaps its configuration gracefully, so requests never see a
///   moment without the route.
/// - `remove` deletes the environment's route by id.
/// - `sync` rewrites Slipway's part from a list of routes in one request that replaces the whole
///   configuration, guarded by the ETag it was read with (a concurrent change by the operator
///   makes it read again), so a start of the bot or of Caddy converges.
/// - `converge` checks that Caddy still has Slipway's server with the routes it was given, and
///   syncs when not (after Caddy restarted with the operator's own configuration).
///
/// The router remembers the routes it was given (one per live environment), which answers
/// `allowsCertificate(for:)` without asking Caddy and lets a `route` after a Caddy restart put
/// every route back. Calls block on HTTP (run them off the cooperative pool); they are
/// serialised, so it is safe to use from several threads.
public final class CaddyRouter: EnvironmentRouter {
    public struct Configuration: Sendable {
        public var admin: CaddyAdminEndpoint
        /// Previews are served at `<env>.<previewDomain>`.
        public var previewDomain: String
        /// Caddy listener address of Slipway's server (`:443`, `0.0.0.0:443`, `127.0.0.1:8443`).
        public var listen: String
        public var tls: CaddyTLS
        /// Basic auth in front of previews (staging and production are not behind it).
        public var previewAuth: PreviewCredentials?
        /// Seconds an admin request may take (a configuration change reloads Caddy).
        public var timeout: Double
        /// The key of Slipway's server under `apps.http.servers`.
        public var serverName: String

        public init(admin: CaddyAdminEndpoint, previewDomain: String, listen: String = ":443", tls: CaddyTLS,
                    previewAuth: PreviewCredentials? = nil, timeout: Double = 30, serverName: String = "slipway") {
            self.admin = admin
            self.previewDomain = previewDomain.lowercased()
            self.listen = listen
            self.tls = tls
            self.previewAuth = previewAuth
            self.timeout = timeout
            self.serverName = serverName
        }
    }

    public let configuration: Configuration
    private let config: CaddyConfig
    private let admin: CaddyAdminClient
    /// The port in public URLs (none for 443).
    private let publicPort: Int?
    /// Routes given and not removed, by environment; the lock also serialises admin changes.
    private let routes = Mutex<[String: EnvironmentRoute]>([:])
    private let changeLock = NSLock()

    public init(configuration: Configuration, client: HTTPClient = HTTPClient(userAgent: "slipway")) throws(CaddyRouterError) {
        try Self.check(domain: configuration.previewDomain, what: "--preview-domain")
        guard let colon = configuration.listen.lastIndex(of: ":"),
              let port = UInt16(configuration.listen[configuration.listen.index(after: colon)...]), port > 0 else {
            throw CaddyRouterError("--router-listen must be HOST:PORT or :PORT, like :443 (got '\(configuration.listen)')")
        }
        if case .acme(let askURL) = configuration.tls, !(askURL.hasPrefix("http://") || askURL.hasPrefix("https://")) {
            throw CaddyRouterError("the on-demand TLS ask URL must be an http(s) URL (got '\(askURL)')")
        }
        self.configuration = configuration
        publicPort = port == 443 ? nil : Int(port)
        config = CaddyConfig(serverName: configuration.serverName, previewDomain: configuration.previewDomain,
                             listen: configuration.listen, tls: configuration.tls, credentials: configuration.previewAuth)
        let secrets = configuration.previewAuth.map { [$0.passwordHash, $0.username] } ?? []
        admin = CaddyAdminClient(endpoint: configuration.admin, client: client, timeout: configuration.timeout, redactions: secrets)
    }

    // MARK: EnvironmentRouter

    public func publicURL(environment: String, kind: EnvironmentKind, host: String?) -> String {
        "https://" + config.host(environment: environment, host: host) + (publicPort.map { ":\($0)" } ?? "")
    }

    @discardableResult
    public func route(_ route: EnvironmentRoute) throws -> String {
        try check(route)
        try changeLock.withLock {
            let before = routes.withLock { $0 }
            var after = before
            after[route.environment] = route
            let json = try CaddyConfig.encode(config.route(route))
            let id = CaddyConfig.routeID(route.environment)
            do {
                let newHosts = config.customHosts(Array(after.values))
                if newHosts != config.customHosts(Array(before.values)), let policy = config.policy(customHosts: newHosts) {
                    let answer = try admin.send("PATCH", "/id/\(CaddyConfig.policyID)", json: try CaddyConfig.encode(policy))
                    if CaddyAdminClient.isUnknownID(answer) { throw Missing() }
                    guard (200..<300).contains(answer.status) else { throw admin.failure("PATCH", "/id/\(CaddyConfig.policyID)", answer) }
                }
                var answer = try admin.send("PATCH", "/id/\(id)", json: json)
                if CaddyAdminClient.isUnknownID(answer) {
                    // New: insert before the fallback (first is as good as any: hosts are disjoint).
                    answer = try admin.send("PUT", "/id/\(CaddyConfig.serverID)/routes/0", json: json)
                    if CaddyAdminClient.isUnknownID(answer) { throw Missing() }
                    guard (200..<300).contains(answer.status) else { throw admin.failure("PUT", "/id/\(CaddyConfig.serverID)/routes/0", answer) }
                } else if !(200..<300).contains(answer.status) {
                    throw admin.failure("PATCH", "/id/\(id)", answer)
                }
            } catch is Missing {
                // Caddy lost Slipway's part (it restarted with the operator's configuration).
                try write(Array(after.values))
            }
            routes.withLock { $0 = after }
        }
        return publicURL(environment: route.environment, kind: route.kind, host: route.host)
    }

    public func remove(environment: String) throws {
        try changeLock.withLock {
            let path = "/id/\(CaddyConfig.routeID(environment))"
            let answer = try admin.send("DELETE", path)
            guard (200..<300).contains(answer.status) || CaddyAdminClient.isUnknownID(answer) else {
                throw admin.failure("DELETE", path, answer)
            }
            routes.withLock { _ = $0.removeValue(forKey: environment) }
        }
    }

    public func sync(_ routes: [EnvironmentRoute]) throws {
        for route in routes { try check(route) }
        let unique = Dictionary(routes.map { ($0.environment, $0) }, uniquingKeysWith: { _, last in last })
        try changeLock.withLock {
            try write(Array(unique.values))
            self.routes.withLock { $0 = unique }
        }
    }

    public func allowsCertificate(for host: String) -> Bool {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if let colon = name.lastIndex(of: ":"), !name.contains("]"), UInt16(name[name.index(after: colon)...]) != nil {
            name = String(name[..<colon])
        }
        return routes.withLock { table in
            table.values.contains { config.host(environment: $0.environment, host: $0.host) == name }
        }
    }

    // MARK: Convergence

    /// The routes the router holds (given by `route` and `sync`, not removed), by environment.
    public var knownRoutes: [EnvironmentRoute] {
        routes.withLock { Array($0.values) }.sorted { $0.environment < $1.environment }
    }

    /// Checks that Caddy has Slipway's server with exactly the known routes, and rewrites
    /// Slipway's part when not. Returns whether it had to. Call it now and then (the bot's
    /// reconcile loop): it repairs a Caddy restart that no `route` call noticed.
    @discardableResult
    public func converge() throws -> Bool {
        try changeLock.withLock { () throws -> Bool in
            let known = routes.withLock { $0 }
            let path = "/id/\(CaddyConfig.serverID)/routes"
            let answer = try admin.send("GET", path)
            if (200..<300).contains(answer.status),
               let list = try? JSONSerialization.jsonObject(with: answer.body) as? [[String: Any]] {
                let ids = Set(list.compactMap { $0["@id"] as? String })
                let expected = Set(known.keys.map(CaddyConfig.routeID)).union([CaddyConfig.fallbackID])
                if ids == expected { return false }
            } else if !(CaddyAdminClient.isUnknownID(answer) || answer.status == 400) {
                throw admin.failure("GET", path, answer)
            }
            try write(Array(known.values))
            return true
        }
    }

    // MARK: Helpers

    private struct Missing: Error {}

    /// Reads Caddy's whole configuration and writes it back with Slipway's part holding exactly
    /// `routes`, guarded by the ETag read (retried when someone changed it in between).
    private func write(_ routes: [EnvironmentRoute]) throws(CaddyRouterError) {
        var attempt = 0
        while true {
            attempt += 1
            let current = try admin.expectSuccess("GET", "/config/")
            let parsed: Any?
            do {
                parsed = current.body.isEmpty ? nil : try JSONSerialization.jsonObject(with: current.body, options: [.fragmentsAllowed])
            } catch {
                throw CaddyRouterError("Caddy's admin API at \(configuration.admin): GET /config/ answered something that is not JSON")
            }
            let merged = try config.merged(into: parsed, routes: routes)
            let answer = try admin.send("POST", "/config/", json: try CaddyConfig.encode(merged), ifMatch: current.etag)
            if (200..<300).contains(answer.status) { return }
            if answer.status == 412, attempt < 5 { continue }
            throw admin.failure("POST", "/config/", answer)
        }
    }

    private func check(_ route: EnvironmentRoute) throws(CaddyRouterError) {
        guard EnvironmentName.isValid(route.environment) else {
            throw CaddyRouterError("cannot route '\(route.environment)': not a valid environment name (lowercase letters, digits and '-', at most 63)")
        }
        if let host = route.host {
            try Self.check(domain: host, what: "the route host of \(route.environment)")
        }
        guard !route.upstreams.isEmpty else {
            throw CaddyRouterError("cannot route \(route.environment): no upstream to send its requests to")
        }
        for upstream in route.upstreams {
            guard let colon = upstream.lastIndex(of: ":"), let port = UInt16(upstream[upstream.index(after: colon)...]), port > 0,
                  !upstream[..<colon].isEmpty, !upstream.contains("/"), !upstream.contains(where: \.isWhitespace) else {
                throw CaddyRouterError("cannot route \(route.environment): upstream '\(upstream)' is not HOST:PORT")
            }
        }
    }

    /// A DNS name: labels of letters, digits and '-', at least two of them.
    private static func check(domain: String, what: String) throws(CaddyRouterError) {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let valid = labels.count >= 2 && domain.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
        guard valid else { throw CaddyRouterError("\(what) must be a DNS name like preview.example.com (got '\(domain)')") }
    }
}
