import Foundation

/// Where the Docker Engine API is served, as `--docker-host` or `DOCKER_HOST` name it:
/// `unix:///path/to/docker.sock`, or `tcp://host:port` (TLS with client certificate files when
/// `tls` is set, as `DOCKER_TLS_VERIFY` + `DOCKER_CERT_PATH` do). Podman's Docker-compatible
/// socket works the same way.
public struct DockerHost: Sendable, Equatable, CustomStringConvertible {
    /// The transport.
    public enum Endpoint: Sendable, Equatable {
        /// A Unix domain socket at an absolute path.
        case unix(path: String)
        /// TCP to `host` (a name, an IPv4 address or a bracket-less IPv6 address) and `port`.
        case tcp(host: String, port: Int)
    }

    /// The default when neither `--docker-host` nor `DOCKER_HOST` is given.
    public static let defaultAddress = "unix:///var/run/docker.sock"
    /// The longest socket path `sockaddr_un` holds (108 bytes with the terminating NUL).
    public static let maxSocketPathBytes = 107

    public let endpoint: Endpoint
    /// Client certificate files for `tcp` (nil: plain HTTP, as Docker's port 2375).
    public let tls: DockerTLSFiles?

    public init(endpoint: Endpoint, tls: DockerTLSFiles? = nil) throws(DockerHostError) {
        if case .unix(let path) = endpoint {
            guard path.hasPrefix("/") else { throw DockerHostError("the socket path \(path) is not absolute") }
            guard path.utf8.count <= Self.maxSocketPathBytes else {
                throw DockerHostError("the socket path is \(path.utf8.count) bytes long; a Unix socket path has at most \(Self.maxSocketPathBytes)")
            }
            guard tls == nil else { throw DockerHostError("TLS files apply only to a tcp:// Docker host, not to a Unix socket") }
        }
        self.endpoint = endpoint
        self.tls = tls
    }

    /// Parses `unix:///path` or `tcp://host[:port]` (port defaults to 2376 with TLS, 2375
    /// without, as Docker's). Anything else — another scheme, a path or credentials in a tcp
    /// address, a bad port — is a `DockerHostError` saying what is wrong.
    public init(parsing address: String, tls: DockerTLSFiles? = nil) throws(DockerHostError) {
        let text = address.trimmingCharacters(in: .whitespaces)
        guard let separator = text.range(of: "://") else {
            throw DockerHostError("\(Self.quoted(text)) is not a Docker host address: use unix:///path/to/docker.sock or tcp://host:port")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        let rest = String(text[separator.upperBound...])
        switch scheme {
        case "unix":
            guard !rest.isEmpty else { throw DockerHostError("unix:// needs a socket path, e.g. unix:///var/run/docker.sock") }
            try self.init(endpoint: .unix(path: rest), tls: tls)
        case "tcp":
            try self.init(endpoint: Self.parseTCP(rest, defaultPort: tls == nil ? 2375 : 2376), tls: tls)
        default:
            throw DockerHostError("the Docker host scheme \(Self.quoted(scheme)) is not supported: use unix:///path/to/docker.sock or tcp://host:port")
        }
    }

    /// The host from `--docker-host` when given, else `DOCKER_HOST`, else `defaultAddress`.
    /// TLS comes from `DOCKER_TLS_VERIFY` (any value but empty or `0`) with the files
    /// `ca.pem`, `cert.pem` and `key.pem` in `DOCKER_CERT_PATH` (default `~/.docker`); each must
    /// be readable.
    public static func resolve(flag: String?, environment: [String: String]) throws(DockerHostError) -> DockerHost {
        let address = flag ?? environment["DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultAddress
        var tls: DockerTLSFiles?
        if let verify = environment["DOCKER_TLS_VERIFY"], !verify.isEmpty, verify != "0", address.lowercased().hasPrefix("tcp://") {
            let home = environment["HOME"] ?? NSHomeDirectory()
            let directory = environment["DOCKER_CERT_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.docker"
            tls = try DockerTLSFiles(directory: directory)
        }
        return try DockerHost(parsing: address, tls: tls)
    }

    /// The URL prefix requests go to: `http://docker` over a socket (the host name only fills the
    /// `Host` header), `https://host:port` with TLS, else `http://host:port`.
    public var baseURL: String {
        switch endpoint {
        case .unix:
            return "http://docker"
        case .tcp(let host, let port):
            let name = host.contains(":") ? "[\(host)]" : host
            return "\(tls == nil ? "http" : "https")://\(name):\(port)"
        }
    }

    /// The socket path for a `unix` endpoint.
    public var socketPath: String? {
        if case .unix(let path) = endpoint { return path }
        return nil
    }

    public var description: String {
        switch endpoint {
        case .unix(let path): return "unix://\(path)"
        case .tcp(let host, let port): return "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)\(tls == nil ? "" : " (TLS)")"
        }
    }

    private static func parseTCP(_ authority: String, defaultPort: Int) throws(DockerHostError) -> Endpoint {
        if authority.contains("@") {
            throw DockerHostError("a tcp:// Docker host takes no user or password; use TLS client certificates (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)")
        }
        var hostPort = authority
        if hostPort.hasSuffix("/") { hostPort.removeLast() }
        guard !hostPort.contains("/"), !hostPort.contains("?"), !hostPort.contains("#") else {
            throw DockerHostError("a tcp:// Docker host is host:port only, without a path: \(quoted(authority))")
        }
        let host: String
        var portText: String?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw DockerHostError("unclosed [ in the IPv6 address \(quoted(authority))") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw DockerHostError("expected :port after the IPv6 address in \(quoted(authority))") }
                portText = String(after.dropFirst())
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            portText = String(hostPort[hostPort.index(after: colon)...])
            guard !host.contains(":") else { throw DockerHostError("write an IPv6 Docker host in brackets: tcp://[::1]:2376") }
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw DockerHostError("tcp:// needs a host, e.g. tcp://127.0.0.1:2376") }
        guard host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-_:%".unicodeScalars.contains($0)) }) else {
            throw DockerHostError("the Docker host name \(quoted(host)) has characters a host name cannot have")
        }
        guard let portText else { return .tcp(host: host, port: defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw DockerHostError("the Docker host port \(quoted(portText)) is not a number from 1 to 65535")
        }
        return .tcp(host: host, port: port)
    }

    private static func quoted(_ text: some StringProtocol) -> String {
        "'\(text.prefix(200))'"
    }
}
