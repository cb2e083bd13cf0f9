import Foundation
import Runner

/// The parts of Caddy's JSON configuration that Slipway owns, as plain JSON values
/// (`JSONSerialization` objects), and how they are merged into the operator's configuration.
/// Pure: no I/O, so it is tested without Caddy.
///
/// Owned parts, each found by its `@id`:
/// - the server `apps.http.servers.<serverName>` (`slipway-server`): Slipway's listener, one
///   route per environment (`slipway-env-<name>`, matched by host, reverse-proxied to the
///   upstreams, behind basic auth for previews when configured) and a last route answering 404
///   (`slipway-fallback`);
/// - for `internal` and `acme`, the first automation policy of `apps.tls.automation.policies`
///   (`slipway-tls`), on demand, for `*.<preview-domain>` and the environments' own hosts;
///   for `acme`, `apps.tls.automation.on_demand.ask` too (refused if the operator set another);
/// - for `files`, an entry of `apps.tls.certificates.load_files` (`slipway-certificate`).
/// Nothing else of the configuration is touched.
struct CaddyConfig: Sendable {
    static let serverID = "slipway-server"
    static let routePrefix = "slipway-env-"
    static let fallbackID = "slipway-fallback"
    static let policyID = "slipway-tls"
    static let certificateID = "slipway-certificate"

    var serverName: String
    var previewDomain: String
    var listen: String
    var tls: CaddyTLS
    var credentials: PreviewCredentials?

    static func routeID(_ environment: String) -> String { routePrefix + environment }

    /// The host an environment is served at.
    func host(environment: String, host: String?) -> String {
        (host ?? "\(environment).\(previewDomain)").lowercased()
    }

    /// One environment's route.
    func route(_ route: EnvironmentRoute) -> [String: Any] {
        var handlers: [[String: Any]] = []
        if let credentials, route.kind == .preview {
            handlers.append([
                "handler": "authentication",
                "providers": ["http_basic": [
                    "accounts": [["username": credentials.username, "password": credentials.passwordHash]],
                    "hash": ["algorithm": "bcrypt"],
                    // Caches bcrypt results so a reviewer's every request does not pay for one.
                    "hash_cache": [String: Any](),
                    "realm": "Slipway preview",
                ] as [String: Any]],
            ])
        }
        handlers.append([
            "handler": "reverse_proxy",
            "upstreams": route.upstreams.map { ["dial": $0] },
        ])
        return [
            "@id": Self.routeID(route.environment),
            "match": [["host": [host(environment: route.environment, host: route.host)]]],
            "handle": handlers,
            "terminal": true,
        ]
    }

    /// Slipway's server with `routes` (sorted by environment, so equal inputs give equal JSON).
    func server(_ routes: [EnvironmentRoute]) -> [String: Any] {
        var list: [[String: Any]] = routes.sorted { $0.environment < $1.environment }.map(route)
        list.append([
            "@id": Self.fallbackID,
            "handle": [[
                "handler": "static_response", "status_code": 404,
                "body": "No environment is served at this address.\n",
            ] as [String: Any]],
            "terminal": true,
        ])
        return [
            "@id": Self.serverID,
            "listen": [listen],
            "routes": list,
            "tls_connection_policies": [[String: Any]()],
            // HTTP/1.1 only: on every configuration change Caddy 2.6 shuts its HTTP/2
            // connections down with GOAWAY, and clients that do not retry refused streams saw
            // failed requests while a route switched (measured in RouterTests).
            "protocols": ["h1"],
            // Caddy's HTTP->HTTPS redirects would take port 80 for themselves: only when
            // Slipway is the site on the standard HTTPS port.
            "automatic_https": ["disable_redirects": !listen.hasSuffix(":443")],
        ]
    }

    /// The automation policy for `internal` and `acme` (nil for `files`).
    func policy(customHosts: Set<String>) -> [String: Any]? {
        var policy: [String: Any] = [
            "@id": Self.policyID,
            "subjects": ["*.\(previewDomain)"] + customHosts.sorted(),
            "on_demand": true,
        ]
        switch tls {
        case .internalCA: policy["issuers"] = [["module": "internal"]]
        case .acme: break // Caddy's default issuers: Let's Encrypt, then ZeroSSL.
        case .files: return nil
        }
        return policy
    }

    /// Hosts that `*.<preview-domain>` does not cover, which the policy must list.
    func customHosts(_ routes: [EnvironmentRoute]) -> Set<String> {
        Set(routes.compactMap { $0.host }.map { $0.lowercased() }.filter { !covered($0) })
    }

    func covered(_ host: String) -> Bool {
        guard host.hasSuffix("." + previewDomain) else { return false }
        return !host.dropLast(previewDomain.count + 1).contains(".")
    }

    /// `config` (Caddy's whole configuration; nil when it has none) with Slipway's parts set
    /// to hold exactly `routes`. Throws when the operator's configuration has a shape Slipway
    /// cannot merge into, or an on-demand `ask` of its own.
    func merged(into config: Any?, routes: [EnvironmentRoute]) throws(CaddyRouterError) -> [String: Any] {
        var root = try object(config, at: "the configuration")
        var apps = try object(root["apps"], at: "apps")
        var http = try object(apps["http"], at: "apps.http")
        var servers = try object(http["servers"], at: "apps.http.servers")
        for (name, value) in servers where name != serverName {
            if let other = value as? [String: Any], other["@id"] as? String == Self.serverID {
                servers[name] = nil // a leftover of an earlier server name
            }
        }
        servers[serverName] = server(routes)
        http["servers"] = servers
        apps["http"] = http

        var tlsApp = try object(apps["tls"], at: "apps.tls")
        var automation = try object(tlsApp["automation"], at: "apps.tls.automation")
        var policies = try array(automation["policies"], at: "apps.tls.automation.policies")
        policies.removeAll { ($0 as? [String: Any])?["@id"] as? String == Self.policyID }
        if let policy = policy(customHosts: customHosts(routes)) {
            policies.insert(policy, at: 0)
        }
        if policies.isEmpty { automation["policies"] = nil } else { automation["policies"] = policies }
        if case .acme(let askURL) = tls {
            var onDemand = try object(automation["on_demand"], at: "apps.tls.automation.on_demand")
            if let existing = onDemand["ask"] as? String, existing != askURL, !existing.contains(CertificateAskHandler.path) {
                throw CaddyRouterError("Caddy's configuration already asks \(existing) before on-demand certificates (apps.tls.automation.on_demand.ask); Slipway needs its own ask URL there (\(askURL)): remove the operator's, or use --tls files")
            }
            onDemand["ask"] = askURL
            automation["on_demand"] = onDemand
        }
        if automation.isEmpty { tlsApp["automation"] = nil } else { tlsApp["automation"] = automation }

        var certificates = try object(tlsApp["certificates"], at: "apps.tls.certificates")
        var files = try array(certificates["load_files"], at: "apps.tls.certificates.load_files")
        files.removeAll { ($0 as? [String: Any])?["@id"] as? String == Self.certificateID }
        if case .files(let certificate, let key) = tls {
            files.append(["@id": Self.certificateID, "certificate": certificate, "key": key, "format": "pem", "tags": ["slipway"]])
        }
        if files.isEmpty { certificates["load_files"] = nil } else { certificates["load_files"] = files }
        if certificates.isEmpty { tlsApp["certificates"] = nil } else { tlsApp["certificates"] = certificates }
        if tlsApp.isEmpty { apps["tls"] = nil } else { apps["tls"] = tlsApp }

        root["apps"] = apps
        return root
    }

    private func object(_ value: Any?, at path: String) throws(CaddyRouterError) -> [String: Any] {
        guard let value, !(value is NSNull) else { return [:] }
        guard let object = value as? [String: Any] else {
            throw CaddyRouterError("Caddy's configuration has \(path) that is not a JSON object; Slipway cannot add its part there")
        }
        return object
    }

    private func array(_ value: Any?, at path: String) throws(CaddyRouterError) -> [Any] {
        guard let value, !(value is NSNull) else { return [] }
        guard let array = value as? [Any] else {
            throw CaddyRouterError("Caddy's configuration has \(path) that is not a JSON array; Slipway cannot add its part there")
        }
        return array
    }

    /// JSON text of a configuration value (slashes unescaped, keys sorted).
    static func encode(_ value: Any) throws(CaddyRouterError) -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw CaddyRouterError("could not encode Caddy's configuration as JSON")
        }
    }
}
