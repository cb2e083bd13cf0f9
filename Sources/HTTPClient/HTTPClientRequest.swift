public import Foundation
public import HTTPTypes

/// One request for `HTTPClient.send`. A value type: safe to share between threads.
public struct HTTPClientRequest: Sendable {
    /// The method, e.g. `GET`, `POST`, `PATCH` (sent as given).
    public var method: String
    /// An absolute `http` or `https` URL. It may carry `user:password@`; errors never show it.
    public var url: String
    /// Header fields to send. An empty value is sent as an empty field.
    public var headers: HTTPHeaders
    /// The body to send, if any (with any method); `Content-Length` is set from it.
    public var body: Data?
    /// Seconds allowed to establish the connection (TCP and TLS).
    public var connectTimeout: Double
    /// Seconds allowed for the whole exchange, connection included.
    public var timeout: Double
    /// The largest response body accepted, in bytes. A declared `Content-Length` above it stops
    /// the transfer before the body is read; a body that grows past it is aborted as soon as it
    /// does. Either way `send` throws an `HTTPClientError` whose `responseLimit` is this value.
    public var maxResponseBytes: Int
    /// When set, the connection goes to this Unix domain socket instead of the URL's host and
    /// port (`CURLOPT_UNIX_SOCKET_PATH`); the URL still gives the path and the `Host` header, e.g.
    /// `http://docker/v1.41/_ping` over `/var/run/docker.sock`.
    public var unixSocketPath: String?
    /// A private CA and a client certificate for an `https` URL; nil uses the system's CAs and
    /// presents no client certificate.
    public var tls: HTTPClientTLSFiles?
    /// Fixed name resolutions, each `HOST:PORT:ADDRESS` (`CURLOPT_RESOLVE`, as `curl --resolve`):
    /// a request to `HOST:PORT` connects to `ADDRESS` while the URL, the `Host` header and TLS
    /// (SNI, certificate name check) keep `HOST`. For reaching a virtual host without DNS.
    public var resolve: [String]

    /// The default `maxResponseBytes`: 16 MiB.
    public static let defaultMaxResponseBytes = 16 * 1024 * 1024

    public init(
        method: String = "GET",
        url: String,
        headers: HTTPHeaders = HTTPHeaders(),
        body: Data? = nil,
        connectTimeout: Double = 10,
        timeout: Double = 30,
        maxResponseBytes: Int = HTTPClientRequest.defaultMaxResponseBytes,
        unixSocketPath: String? = nil,
        tls: HTTPClientTLSFiles? = nil,
        resolve: [String] = []
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.unixSocketPath = unixSocketPath
        self.tls = tls
        self.resolve = resolve
    }
}
