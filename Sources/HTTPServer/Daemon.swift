internal import CMicroHTTPD
import Glibc

/// Owns one libmicrohttpd daemon (`MHD_start_daemon` / `MHD_stop_daemon`) and keeps the callbacks'
/// context (`ServerCore`) alive for as long as the daemon runs.
///
/// Not synchronised itself: `HTTPServer` calls `quiesce()` and `stop()` once each, in that order,
/// from its stop path only.
final class Daemon: @unchecked Sendable {
    private var handle: OpaquePointer?
    private let core: ServerCore
    /// The listening socket handed back by `MHD_quiesce_daemon`, closed after `MHD_stop_daemon`.
    private var quiescedSocket: Int32 = -1
    /// The port actually bound.
    let port: UInt16

    init(configuration: HTTPServer.Configuration, core: ServerCore) throws {
        guard configuration.workerThreads >= 1, configuration.maxConnections >= 1, configuration.maxConnectionsPerIP >= 1,
              configuration.connectionTimeout >= 0, configuration.maxBodySize >= 0, configuration.maxBufferedBodyBytes >= 0
        else {
            throw HTTPServerError(
                function: "HTTPServer.start", code: 0,
                message: "workerThreads, maxConnections and maxConnectionsPerIP must be at least 1; timeouts, maxBodySize "
                    + "and maxBufferedBodyBytes not negative"
            )
        }
        self.core = core
        let context = Unmanaged.passUnretained(core).toOpaque()
        let started: OpaquePointer? = try Self.withSocketAddress(host: configuration.host, port: configuration.port) { address, ipv6 in
            errno = 0
            return slipway_mhd_start_daemon(
                slipway_mhd_daemon_flags(ipv6 ? 1 : 0),
                address,
                slipwayAccessHandler, context,
                slipwayRequestCompleted, context,
                slipwayRequestStarted, context,
                UInt32(clamping: configuration.workerThreads),
                UInt32(clamping: configuration.connectionTimeout),
                UInt32(clamping: configuration.maxConnections),
                UInt32(clamping: configuration.maxConnectionsPerIP)
            )
        }
        guard let started else {
            let code = errno
            throw HTTPServerError(
                function: "MHD_start_daemon", code: code,
                message: "could not listen on \(configuration.host):\(configuration.port): \(String(cString: strerror(code)))"
            )
        }
        handle = started
        port = slipway_mhd_bound_port(started)
    }

    /// Stops accepting connections: the listening socket is shut down at once so new clients are
    /// refused, while the workers go on serving the connections already open.
    func quiesce() {
        guard let handle else { return }
        let socket = MHD_quiesce_daemon(handle)
        if socket >= 0 {
            quiescedSocket = socket
            // MHD must not see the descriptor closed (a worker may still poll it), but a shut-down
            // listening socket stops accepting: connects are refused from now on.
            _ = Glibc.shutdown(socket, Int32(SHUT_RDWR))
        }
    }

    /// Closes every connection and joins the worker threads. Idempotent.
    func stop() {
        guard let handle else { return }
        MHD_stop_daemon(handle)
        self.handle = nil
        if quiescedSocket >= 0 {
            _ = Glibc.close(quiescedSocket)
            quiescedSocket = -1
        }
    }

    deinit {
        stop()
    }

    /// Runs `body` with a `sockaddr_in` or `sockaddr_in6` for a numeric `host`.
    private static func withSocketAddress<T>(
        host: String, port: UInt16, _ body: (UnsafePointer<sockaddr>, Bool) throws -> T
    ) throws -> T {
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            return try withUnsafePointer(to: &v4) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, false) }
            }
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            return try withUnsafePointer(to: &v6) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, true) }
            }
        }
        throw HTTPServerError(function: "inet_pton", code: 0, message: "\(host) is not a numeric IPv4 or IPv6 address")
    }
}
