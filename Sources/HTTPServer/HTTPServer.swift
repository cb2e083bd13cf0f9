public import HTTPTypes
import Synchronization

/// An HTTP/1.1 server over libmicrohttpd that answers each request with a synchronous handler.
///
/// The daemon runs a fixed pool of `workerThreads` threads (epoll); the handler runs on those
/// threads, with the request body already read in full (at most `maxBodySize` bytes, else 413;
/// at most `maxBufferedBodyBytes` buffered across all connections, else 503).
/// `stop()` is graceful: it stops accepting connections, lets requests in flight finish (up to
/// `shutdownTimeout`), then shuts the daemon down.
///
/// Safe to use from several threads: start, stop and port are internally synchronised.
/// Do not call `stop()` from inside the handler (the daemon waits for its own threads).
public final class HTTPServer: Sendable {
    public let configuration: Configuration

    private enum State {
        case idle
        case running(Daemon)
        case stopping
        case stopped
    }

    private let core: ServerCore
    private let state = Mutex<State>(.idle)
    private let boundPort = Atomic<UInt16>(0)

    /// A server that will answer every request with `handler` once started.
    public init(configuration: Configuration = Configuration(), handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.configuration = configuration
        core = ServerCore(handler: handler, maxBodySize: configuration.maxBodySize,
                          maxBufferedBodyBytes: configuration.maxBufferedBodyBytes)
    }

    /// A server that dispatches requests with `router`.
    public convenience init(configuration: Configuration = Configuration(), router: Router) {
        self.init(configuration: configuration, handler: router.handler)
    }

    /// Binds the address and starts the worker threads. Throws `HTTPServerError` when the
    /// configuration is invalid, the address cannot be bound, or the server was already started.
    public func start() throws {
        try state.withLock { state in
            guard case .idle = state else {
                throw HTTPServerError(function: "HTTPServer.start", code: 0, message: "the server was already started")
            }
            let daemon = try Daemon(configuration: configuration, core: core)
            boundPort.store(daemon.port, ordering: .releasing)
            state = .running(daemon)
        }
    }

    /// Request-body bytes buffered right now and the most ever buffered at once (for tests and
    /// metrics); the latter never exceeds `configuration.maxBufferedBodyBytes`.
    public var bufferedBodyBytes: (now: Int, peak: Int) {
        (core.bodyBudget.inUse, core.bodyBudget.highWaterMark)
    }

    /// The port actually bound (useful with `port: 0`); 0 before `start()`. Still the old port after
    /// `stop()`.
    public var port: UInt16 {
        boundPort.load(ordering: .acquiring)
    }

    /// Stops gracefully: new connections are refused at once, requests already in flight finish
    /// and get their responses (each with `Connection: close`) for up to `shutdownTimeout`
    /// seconds, then every connection is closed and the worker threads are joined.
    /// Idempotent; a second concurrent call returns at once. Also called by `deinit`.
    public func stop() {
        let daemon: Daemon? = state.withLock { state in
            switch state {
            case .running(let daemon):
                state = .stopping
                return daemon
            case .idle, .stopped:
                state = .stopped
                return nil
            case .stopping:
                return nil
            }
        }
        guard let daemon else { return }
        core.stopping.store(true, ordering: .releasing)
        daemon.quiesce()
        _ = core.inFlight.waitUntilIdle(timeout: configuration.shutdownTimeout)
        daemon.stop()
        state.withLock { $0 = .stopped }
    }

    deinit {
        stop()
    }
}
