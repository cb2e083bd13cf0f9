public import HTTPTypes
public import Runner

/// Answers Caddy's on-demand TLS question "may I get a certificate for this host?"
/// (`GET <ask>?domain=HOST`): 200 only for hosts of live environments, so nobody can make Caddy
/// request certificates for arbitrary names under the preview domain. Mount it on the bot's own
/// HTTP server at `path`, and give Caddy that URL (`CaddyTLS.acme(askURL:)`).
public struct CertificateAskHandler: Sendable {
    /// Where the bot's server mounts the handler.
    public static let path = "/slipway/caddy-ask"

    private let router: any EnvironmentRouter

    public init(router: any EnvironmentRouter) {
        self.router = router
    }

    /// The ask URL for a bot whose HTTP server listens on `host:port` (a wildcard address is
    /// reached over loopback).
    public static func url(listenHost: String, listenPort: UInt16) -> String {
        var host = listenHost
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if host.contains(":") { host = "[\(host)]" }
        return "http://\(host):\(listenPort)\(path)"
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return HTTPResponse(status: 405, headers: ["Allow": "GET, HEAD"], body: .init())
        }
        guard let domain = request.queryValue("domain"), !domain.isEmpty else {
            return HTTPResponse(status: 400, body: "the query must name the host: ?domain=HOST\n")
        }
        guard router.allowsCertificate(for: domain) else {
            return HTTPResponse(status: 403, body: "no live environment at this host\n")
        }
        return HTTPResponse(status: 200, body: "ok\n")
    }
}
