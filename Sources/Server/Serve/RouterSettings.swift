public import Foundation
public import HTTPClient
public import Router
public import Runner
public import SlipwayCore

/// How environments get URLs a reviewer can open (`--router`, `--preview-domain`, ...).
///
/// With `--router none` (the default) an environment's URL is its loop-back address. With
/// `--router caddy`, Slipway programs Caddy through its admin API (`--caddy-admin`, loopback or
/// a Unix socket only) so every environment is served at `https://<env>.<preview-domain>` (or
/// its spec's own host) from Caddy's listener `--router-listen`, with certificates from `--tls`:
/// `internal` (Caddy's local CA, for tests and the demo), `acme` (public certificates on demand,
/// only for hosts of live environments: Caddy asks Slipway's `/slipway/caddy-ask`), or `files`
/// (the operator's certificate, usually a wildcard, `--tls-cert-file` and `--tls-key-file`).
/// `--preview-auth GRANT` puts previews behind basic auth with the grant's `user:password`.
/// In `slipway.yaml` the keys are the option names (`preview-domain: preview.example.com`).
public struct RouterSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case none, caddy
    }

    public enum TLSMode: String, Sendable, Equatable {
        case `internal`, acme, files
    }

    public var kind: Kind = .none
    public var previewDomain: String?
    public var caddyAdmin: CaddyAdminEndpoint?
    public var listen = ":443"
    public var tls: TLSMode = .acme
    public var certificateFile: String?
    public var keyFile: String?
    /// The grant whose value is the previews' `user:password` (read when the router is made).
    public var previewAuthGrant: String?

    public init() {}

    /// Resolves the router options of `source`; `grants` must hold the `--preview-auth` grant.
    static func resolve(_ source: ConfigSource, grants: GrantTable) throws -> RouterSettings {
        func value(_ option: ConfigOption) -> String? { source.value(option) ?? option.defaultValue }
        var settings = RouterSettings()
        let kindText = value(.router) ?? "none"
        guard let kind = Kind(rawValue: kindText) else {
            throw ConfigError("--router must be caddy or none (got '\(kindText)')")
        }
        settings.kind = kind
        let tlsText = value(.tls) ?? "acme"
        guard let tls = TLSMode(rawValue: tlsText) else {
            throw ConfigError("--tls must be internal, acme or files (got '\(tlsText)')")
        }
        settings.tls = tls
        settings.previewDomain = source.value(.previewDomain)?.lowercased()
        settings.certificateFile = source.value(.tlsCertFile)
        settings.keyFile = source.value(.tlsKeyFile)
        settings.previewAuthGrant = source.value(.previewAuth)
        guard kind == .caddy else {
            let given = [ConfigOption.previewDomain, .caddyAdmin, .routerListen, .tls, .tlsCertFile, .tlsKeyFile, .previewAuth]
                .filter { source.value($0) != nil }.map { "--\($0.name)" }
            if !given.isEmpty {
                throw ConfigError("\(given.joined(separator: ", ")) need --router caddy (without a router, environments keep loop-back URLs)")
            }
            return settings
        }
        guard let domain = settings.previewDomain, !domain.isEmpty else {
            throw ConfigError("--router caddy needs --preview-domain (previews are served at https://<env>.<preview-domain>)")
        }
        do {
            settings.caddyAdmin = try CaddyAdminEndpoint(parsing: value(.caddyAdmin) ?? CaddyAdminEndpoint.defaultAddress)
        } catch {
            throw ConfigError(error.message)
        }
        let listen = value(.routerListen) ?? ":443"
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]), port > 0 else {
            throw ConfigError("--router-listen must be HOST:PORT or :PORT, like :443 or 0.0.0.0:443 (got '\(listen)')")
        }
        settings.listen = listen
        switch tls {
        case .files:
            guard let certificate = settings.certificateFile, let key = settings.keyFile else {
                throw ConfigError("--tls files needs --tls-cert-file and --tls-key-file (PEM files Caddy can read)")
            }
            for (option, path) in [("--tls-cert-file", certificate), ("--tls-key-file", key)] {
                guard path.hasPrefix("/") else { throw ConfigError("\(option) must be an absolute path (Caddy reads it; got '\(path)')") }
                guard FileManager.default.isReadableFile(atPath: path) else { throw ConfigError("\(option): cannot read \(path)") }
            }
        case .internal, .acme:
            if settings.certificateFile != nil || settings.keyFile != nil {
                throw ConfigError("--tls-cert-file and --tls-key-file are used only with --tls files")
            }
        }
        if let grant = settings.previewAuthGrant, grants[grant] == nil {
            let known = grants.names.isEmpty ? "no grants are configured" : "configured grants: \(grants.names.joined(separator: ", "))"
            throw ConfigError("--preview-auth names the grant '\(grant)', which does not exist (\(known)); its value is user:password")
        }
        return settings
    }

    /// The router these settings describe, or nil for `--router none`.
    ///
    /// - `askURL`: where Caddy asks before an on-demand certificate (required for `--tls acme`):
    ///   `CertificateAskHandler.url(listenHost:listenPort:)` of the bot's bound server, which
    ///   mounts `CertificateAskHandler` at `CertificateAskHandler.path`.
    /// - `grants` and `environment`: where the `--preview-auth` grant's `user:password` is read
    ///   (hashed with bcrypt at once; errors name the grant, never the value).
    public func makeRouter(askURL: String?, grants: GrantTable,
                           environment: [String: String] = ProcessInfo.processInfo.environment,
                           client: HTTPClient = HTTPClient(userAgent: "slipway")) throws -> (any EnvironmentRouter)? {
        guard kind == .caddy else { return nil }
        guard let admin = caddyAdmin, let domain = previewDomain else {
            throw ConfigError("--router caddy needs --preview-domain and --caddy-admin")
        }
        let mode: CaddyTLS
        switch tls {
        case .internal: mode = .internalCA
        case .acme:
            guard let askURL else { throw ConfigError("--tls acme needs the bot's ask URL for Caddy's on-demand certificates") }
            mode = .acme(askURL: askURL)
        case .files:
            guard let certificateFile, let keyFile else { throw ConfigError("--tls files needs --tls-cert-file and --tls-key-file") }
            mode = .files(certificate: certificateFile, key: keyFile)
        }
        var credentials: PreviewCredentials?
        if let name = previewAuthGrant {
            guard let grant = grants[name] else { throw ConfigError("--preview-auth: the grant '\(name)' does not exist") }
            let value = try DataSettings.read(grant.source, environment: environment, what: "preview-auth grant \(name)'s")
            do {
                credentials = try PreviewCredentials.fromGrant(value, grant: name)
            } catch {
                throw ConfigError(error.message)
            }
        }
        do {
            return try CaddyRouter(configuration: .init(admin: admin, previewDomain: domain, listen: listen, tls: mode,
                                                        previewAuth: credentials), client: client)
        } catch {
            throw ConfigError(error.message)
        }
    }
}
