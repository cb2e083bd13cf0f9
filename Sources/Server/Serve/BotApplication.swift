import Foundation
import HTTPServer
import HTTPTypes
public import Reconcile
public import SlipwayCore
public import Store

/// The composition root: the CLI's `serve` and the end-to-end tests both build the bot here.
///
/// Owns the store, the HTTP listener (webhooks, `/healthz`, `/readyz`, `/metrics`) and the
/// delivery workers. `start()` returns once the listener is bound; `stop()` stops intake first,
/// then lets in-flight work finish.
public final class BotApplication: @unchecked Sendable {
    public let configuration: BotConfiguration
    /// Stable across restarts with the same work dir: leases this instance held when it died are
    /// taken back at start instead of waiting for them to expire.
    public let instance: String
    public let store: any Store
    public let metrics = Metrics()
    public let logger: Logger
    private let server: HTTPServer
    private let workers: DeliveryWorkers
    /// Nil in journal-only mode (no `--repo`).
    public let reconciler: Reconciler?
    private var reconcileLoop: ReconcileLoop?
    private let lock = NSLock()
    private var stopped = false

    /// Builds (but does not start) the bot. With `--repo`, deliveries and a periodic tick drive
    /// the reconciler; without, the bot only journals (useful to try the webhook set-up first).
    /// `handler` replaces the delivery handler (tests).
    public static func build(configuration: BotConfiguration, logger: Logger, handler: (any DeliveryHandler)? = nil) throws -> BotApplication {
        try FileManager.default.createDirectory(atPath: configuration.workDir, withIntermediateDirectories: true)
        let store = try configuration.store.open()
        var reconciler: Reconciler?
        if let source = configuration.repo {
            let repository = try ManagedRepository.prepare(source: source, workDir: configuration.workDir)
            reconciler = Reconciler(repository: repository, store: store, defaultBranch: configuration.defaultBranch, logger: logger)
        }
        let chosen: any DeliveryHandler = handler
            ?? reconciler.map { ReconcilingHandler(reconciler: $0, store: store) }
            ?? LoggingDeliveryHandler()
        return BotApplication(instance: try InstanceID.load(workDir: configuration.workDir), configuration: configuration, store: store,
                              logger: logger, handler: chosen, reconciler: reconciler)
    }

    init(instance: String, configuration: BotConfiguration, store: any Store, logger: Logger, handler: any DeliveryHandler,
         reconciler: Reconciler?) {
        self.instance = instance
        self.reconciler = reconciler
        self.configuration = configuration
        self.store = store
        var redactor = logger.redactor
        redactor.add(String(decoding: configuration.webhookSecret, as: UTF8.self))
        var redactingLogger = logger
        redactingLogger.redactor = redactor
        let logger = redactingLogger
        self.logger = logger

        let metrics = self.metrics
        var workerConfig = DeliveryWorkers.Configuration()
        workerConfig.count = configuration.deliveryWorkers
        workerConfig.instance = instance
        let workers = DeliveryWorkers(store: store, processor: DeliveryProcessor(handler: handler),
                                      metrics: metrics, logger: logger, configuration: workerConfig)
        self.workers = workers
        let ingress = WebhookIngress(secret: configuration.webhookSecret, store: store, metrics: metrics,
                                     logger: logger, onAccepted: { workers.wake() })

        var router = Router()
        router.post(configuration.webhookPath, Self.timed(route: configuration.webhookPath, metrics: metrics) { ingress.handle($0) })
        router.get("/healthz", Self.timed(route: "/healthz", metrics: metrics) { _ in
            HTTPResponse(status: 200, body: Data("{\"status\":\"ok\"}\n".utf8), contentType: "application/json")
        })
        router.get("/readyz", Self.timed(route: "/readyz", metrics: metrics) { _ in
            do {
                try store.ping()
                return HTTPResponse(status: 200, body: Data("{\"status\":\"ready\",\"store\":\"\(store.backendName)\"}\n".utf8), contentType: "application/json")
            } catch {
                logger.warning("store unreachable", ["error": "\(error)"])
                return HTTPResponse(status: 503, body: Data("{\"status\":\"unavailable\",\"store\":\"\(store.backendName)\"}\n".utf8), contentType: "application/json")
            }
        })
        router.get("/metrics") { _ in
            let depth = try? store.journalDepth()
            return HTTPResponse(status: 200, body: Data(metrics.render(journalDepth: depth).utf8),
                                contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        var serverConfig = HTTPServer.Configuration()
        serverConfig.host = configuration.listenHost
        serverConfig.port = configuration.listenPort
        serverConfig.maxBodySize = configuration.maxBody
        serverConfig.connectionTimeout = configuration.connectionTimeout
        server = HTTPServer(configuration: serverConfig, handler: router.handler)
    }

    /// Binds the listener and starts the workers.
    public func start() throws {
        try server.start()
        workers.start()
        if let reconciler {
            let loop = ReconcileLoop(reconciler: reconciler, interval: configuration.reconcileInterval,
                                     runImmediately: configuration.reconcileAtStart, logger: logger)
            lock.lock()
            reconcileLoop = loop
            lock.unlock()
            loop.start()
        } else {
            logger.warning("no --repo given: deliveries are journaled but nothing is deployed")
        }
        logger.info("slipway listening", [
            "listen": "\(configuration.listenHost):\(server.port)", "webhook.path": configuration.webhookPath,
            "store": configuration.store.description,
        ])
    }

    /// The bound port (useful with port 0).
    public var port: UInt16 { server.port }

    /// Stops intake (no new connections), waits for in-flight requests and deliveries. Idempotent.
    public func stop() {
        lock.lock()
        if stopped { lock.unlock(); return }
        stopped = true
        lock.unlock()
        logger.info("slipway stopping")
        server.stop()
        workers.stop()
        lock.lock()
        let loop = reconcileLoop
        lock.unlock()
        loop?.stop()
        logger.info("slipway stopped")
    }

    static func timed(route: String, metrics: Metrics, _ handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) -> @Sendable (HTTPRequest) -> HTTPResponse {
        { request in
            let start = DispatchTime.now().uptimeNanoseconds
            let response = handler(request)
            metrics.observeRequest(route: route, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            return response
        }
    }
}
