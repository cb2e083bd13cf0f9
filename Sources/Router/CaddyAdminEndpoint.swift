/// Where Caddy's admin API listens. Only loopback addresses and Unix sockets are accepted: the
/// admin API can rewrite every site of the machine and has no authentication of its own.
///
/// Spellings: `http://127.0.0.1:2019`, `http://localhost:2019`, `http://[::1]:2019`, and for a
/// Unix socket Caddy's own `unix//run/caddy/admin.sock` or `unix:///run/caddy/admin.sock`.
public struct CaddyAdminEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// The URL requests are made against (`http://127.0.0.1:2019`, or `http://localhost` over a
    /// socket), without a trailing slash.
    public let baseURL: String
    /// The Unix socket requests go over, when the endpoint is one.
    public let unixSocketPath: String?

    /// Caddy's default admin address.
    public static let defaultAddress = "http://127.0.0.1:2019"

    public init(parsing text: String) throws(CaddyRouterError) {
        let usage = "give http://127.0.0.1:PORT, http://[::1]:PORT, http://localhost:PORT or unix//PATH"
        if text.hasPrefix("unix//") || text.hasPrefix("unix:") {
            var path = String(text.dropFirst(5))
            while path.hasPrefix("//") { path.removeFirst() }
            guard path.hasPrefix("/"), path.count > 1, !path.contains("\n") else {
                throw CaddyRouterError("--caddy-admin '\(text)': a Unix socket needs an absolute path; \(usage)")
            }
            baseURL = "http://localhost"
            unixSocketPath = path
            return
        }
        guard text.hasPrefix("http://") else {
            throw CaddyRouterError("--caddy-admin '\(text)': Caddy's admin API is spoken over plain HTTP on loopback or a Unix socket; \(usage)")
        }
        var authority = String(text.dropFirst("http://".count))
        if authority.hasSuffix("/") { authority.removeLast() }
        guard !authority.contains("/"), !authority.contains("@"), !authority.contains("?") else {
            throw CaddyRouterError("--caddy-admin '\(text)': give only the scheme, host and port; \(usage)")
        }
        guard let colon = authority.lastIndex(of: ":"), let port = UInt16(authority[authority.index(after: colon)...]), port > 0 else {
            throw CaddyRouterError("--caddy-admin '\(text)': the port is missing or not a number; \(usage)")
        }
        let host = String(authority[..<colon])
        guard ["127.0.0.1", "localhost", "[::1]"].contains(host) || Self.isIPv4Loopback(host) else {
            throw CaddyRouterError("--caddy-admin '\(text)': the admin API must be on loopback or a Unix socket (it has no authentication and controls every site of this Caddy); \(usage)")
        }
        baseURL = "http://\(host):\(port)"
        unixSocketPath = nil
    }

    public var description: String {
        unixSocketPath.map { "unix//\($0)" } ?? baseURL
    }

    private static func isIPv4Loopback(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
