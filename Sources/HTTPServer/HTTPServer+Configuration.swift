extension HTTPServer {
    /// How the server binds and how much it accepts. A value type: safe to share.
    public struct Configuration: Sendable {
        /// The IPv4 or IPv6 address to bind (a numeric address, not a host name).
        public var host: String
        /// The TCP port; 0 picks any free port (read it back with `HTTPServer.port`).
        public var port: UInt16
        /// The largest request body accepted, in bytes. A declared `Content-Length` above it is
        /// answered 413 at once, without reading the body, and the connection is closed. A chunked
        /// body that grows past it is dropped as it arrives and answered 413 (with
        /// `Connection: close`) when it ends; if it goes on for another `maxBodySize` bytes the
        /// connection is closed without an answer (libmicrohttpd 0.9.75 cannot queue a response
        /// in the middle of a body).
        public var maxBodySize: Int
        /// The most request-body bytes buffered at once across all connections before their
        /// handlers run (a pre-authentication memory bound: bodies are read before any signature
        /// can be checked). A request reserves its declared `Content-Length` before any of its
        /// body is read, a chunked one each piece as it arrives; the bytes are given back once its
        /// handler returned. A request that does not fit in what is left is answered
        /// `503 Service Unavailable` with `Retry-After` and `Connection: close`, its body never
        /// buffered (a chunked one is dropped as it arrives, like an oversized one).
        public var maxBufferedBodyBytes: Int
        /// The most connections open at once from one IP address; further connections from it are
        /// closed as soon as they are accepted (libmicrohttpd's per-IP limit).
        public var maxConnectionsPerIP: Int
        /// Seconds of inactivity after which a connection is dropped (stalled or idle clients).
        public var connectionTimeout: Int
        /// The number of threads in the fixed worker pool that runs the handler.
        public var workerThreads: Int
        /// The most connections open at once; further clients are refused.
        public var maxConnections: Int
        /// Seconds `stop()` waits for requests in flight before closing their connections.
        public var shutdownTimeout: Double

        public init(
            host: String = "127.0.0.1",
            port: UInt16 = 0,
            maxBodySize: Int = 25 * 1024 * 1024,
            connectionTimeout: Int = 10,
            workerThreads: Int = 4,
            maxConnections: Int = 1024,
            shutdownTimeout: Double = 30,
            maxBufferedBodyBytes: Int = 64 * 1024 * 1024,
            maxConnectionsPerIP: Int = 64
        ) {
            self.host = host
            self.port = port
            self.maxBodySize = maxBodySize
            self.connectionTimeout = connectionTimeout
            self.workerThreads = workerThreads
            self.maxConnections = maxConnections
            self.shutdownTimeout = shutdownTimeout
            self.maxBufferedBodyBytes = maxBufferedBodyBytes
            self.maxConnectionsPerIP = maxConnectionsPerIP
        }
    }
}
