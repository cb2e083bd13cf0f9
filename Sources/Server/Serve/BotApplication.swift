public import Foundation
import HTTPServer
import Docs
import Data
import Evidence
import Forge
import Git
import HTTPTypes
public import Reconcile
public import Runner
import Router
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
    public let metrics: Metrics
    public let logger: Logger
    private let server: HTTPServer
    /// The API, dashboard and metrics listener (`--admin-listen`), when there is one.
    private let adminServer: HTTPServer?
    private let workers: DeliveryWorkers
    /// Nil in journal-only mode (no `--repo`).
    public let reconciler: Reconciler?
    let pipeline: Pipeline?
    /// The runner (nil without `--repo`).
    public var runner: RunnerService? { pipeline?.runner }
    /// The one reconcile driver (nil without `--repo`): deliveries mark it dirty, it ticks.
    private let reconcileLoop: ReconcileLoop?
    /// Removes old deliveries, jobs and bookkeeping from the store, daily.
    private let storeRetention: StoreRetention
    /// `slipway diag`, hourly; its latest report is a `/readyz` detail (nil: diagnostics off).
    private let diagnosticsMonitor: DiagnosticsMonitor?
    /// Failed webhook deliveries asked for again at start (nil without `--forge-hook-id`).
    private let startupRedelivery: StartupRedelivery?
    private let lock = NSLock()
    private var stopped = false

    /// The parts that exist only with `--repo`: the mirror, the reconciler, the runner and the
    /// forge update queue.
    struct Pipeline {
        var reconciler: Reconciler
        var runner: RunnerService
        var forgeQueue: ForgeUpdateQueue?
        var forgeClient: GitHubClient?
        var evidence: EvidenceWriter
        var retention: EvidenceRetention?
        var promotions: PromotionController
        var repository: ManagedRepository
        var pullRequestSource: ForgePullRequestSource?
        /// `snapshot.every`: nil without a production source or a schedule.
        var snapshotSchedule: SnapshotSchedule?
        /// Spare copies of the newest snapshot (nil without a database server): its background
        /// thread runs while the bot does.
        var spares: SparePool?
        /// Where evidence folders open on the forge (nil without one).
        var evidenceBaseURL: String?
        /// Caddy (`--router caddy`), nil without a router.
        var router: (any EnvironmentRouter)?
        /// Puts Slipway's routes back into Caddy after Caddy restarted (every reconcile interval).
        var routerConvergence: PeriodicTask?
    }

    /// Builds (but does not start) the bot. With `--repo`, deliveries and a periodic tick drive
    /// the reconciler, the runner executes the jobs, and the forge (when configured) gets the PR
    /// comment and statuses; without, the bot only journals (useful to try the webhook set-up
    /// first). `handler` replaces the delivery handler (tests).
    public static func build(configuration given: BotConfiguration, logger baseLogger: Logger, handler: (any DeliveryHandler)? = nil) throws -> BotApplication {
        var configuration = given
        // The managed repository is known from a forge URL given as --repo even without forge
        // credentials: deliveries about any other repository are then ignored.
        if configuration.forge.repository == nil, let repo = configuration.repo {
            configuration.forge.repository = ForgeSettings.managedRepository(derivedFrom: repo, apiBaseURL: configuration.forge.apiBaseURL)
        }
        try FileManager.default.createDirectory(atPath: configuration.workDir, withIntermediateDirectories: true)
        var redactor = baseLogger.redactor
        redactor.add(String(decoding: configuration.webhookSecret, as: UTF8.self))
        if case .token(let token)? = configuration.forge.credentials { redactor.add(token) }
        // Installation tokens minted later are masked by every copy of this redactor too.
        if redactor.learned == nil { redactor.learned = LearnedSecrets() }
        // Anything shaped like a GitHub token or a JWT is masked too, registered or not.
        redactor.redactsTokenShapes = true
        var logger = baseLogger
        logger.redactor = redactor

        // The database server's and production's connection strings are masked everywhere.
        let plane = try DataPlane.make(settings: configuration.data, workDir: configuration.workDir, grants: configuration.grants,
                                       logger: logger)
        for value in plane?.secretValues ?? [] { redactor.add(value) }
        logger.redactor = redactor

        let store = try configuration.store.open()
        let instance = try InstanceID.load(workDir: configuration.workDir)
        var pipeline: Pipeline?
        if let source = configuration.repo {
            pipeline = try buildPipeline(source: source, configuration: configuration, store: store, instance: instance,
                                         redactor: redactor, logger: logger, plane: plane)
        }
        let metrics = Metrics()
        let loop = pipeline.map {
            ReconcileLoop(reconciler: $0.reconciler, interval: configuration.reconcileInterval, runImmediately: configuration.reconcileAtStart,
                          backlog: { (try? store.hasWaitingDeliveries()) ?? false }, metrics: metrics, logger: logger)
        }
        let chosen: any DeliveryHandler = handler
            ?? pipeline.flatMap { pipeline in
                loop.map { ReconcilingHandler(reconciler: pipeline.reconciler, store: store, driver: $0,
                                              onPullRequest: { pipeline.promotions.labeled($0) }) }
            }
            ?? LoggingDeliveryHandler()
        return try BotApplication(instance: instance, configuration: configuration, store: store, logger: logger, handler: chosen,
                              pipeline: pipeline, metrics: metrics, reconcileLoop: loop)
    }

    /// libmicrohttpd's handler threads (each serves its share of the connections, one request
    /// at a time).
    static let httpWorkerThreads = min(16, max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))

    /// Said at start and in every PR comment while builds run unconfined.
    static let unconfinedWarning = "Isolation is off on this bot (--isolation none): builds and apps run unconfined, as the bot's own user, and can read what it can. The operator chose this; do not open pull requests from untrusted authors against it."

    static func buildPipeline(source: String, configuration: BotConfiguration, store: any Store, instance: String,
                              redactor: Redactor, logger: Logger, plane: DataPlane? = nil) throws -> Pipeline {
        var client: GitHubClient?
        var queue: ForgeUpdateQueue?
        if configuration.forge.credentials != nil, configuration.forge.repository == nil {
            throw ConfigError("forge credentials are set but the repository on the forge is unknown: give --forge-repo OWNER/NAME")
        }
        if let credentials = configuration.forge.credentials, let forgeRepository = configuration.forge.repository {
            do {
                let forgeClient = try GitHubClient(
                    configuration: .init(apiBaseURL: configuration.forge.apiBaseURL, repository: forgeRepository, version: SlipwayVersion.current),
                    credentials: credentials, logger: logger, clock: configuration.forge.clock)
                client = forgeClient
                queue = try ForgeUpdateQueue(performer: GitHubUpdatePerformer(client: forgeClient), persistence: StoreForgePersistence(store: store),
                                         logger: logger)
            } catch {
                throw ConfigError("the forge is not usable: \(error)")
            }
        }
        // Asked before every transfer: an App's installation token is renewed while the bot runs.
        // The mirror, evidence, docs and retention all push with the repository's own.
        let gitCredentials = ForgeGitCredentials.provider(source: source, credentials: configuration.forge.credentials, client: client)
        // An unreachable remote does not stop the bot: it serves from the mirror it has (webhooks
        // are journaled, branch environments keep running) and says so in /readyz until a fetch works.
        let repository = try ManagedRepository.prepare(source: source, workDir: configuration.workDir, credentialProvider: gitCredentials,
                                                       offlineStart: true)
        if let failure = repository.fetchFailure {
            logger.warning("the repository cannot be fetched; serving from the existing mirror until it can", ["error": failure])
        }

        var runnerConfiguration = RunnerConfiguration(workDir: configuration.workDir)
        runnerConfiguration.instance = instance
        runnerConfiguration.workers = configuration.runnerWorkers
        // Specs get secrets only through the operator's grants; `env:` grants read the bot's
        // environment, but never Slipway's own variables.
        runnerConfiguration.grants = configuration.grants
        runnerConfiguration.isolation = configuration.isolation
        runnerConfiguration.docker = configuration.docker
        runnerConfiguration.isolationUIDBase = configuration.isolationUIDs.base
        runnerConfiguration.isolationUIDCount = configuration.isolationUIDs.count
        runnerConfiguration.secretSource = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLIPWAY_") }
        runnerConfiguration.mailCatchall = configuration.data.mailCatchall
        runnerConfiguration.databases = plane.map { PostgresDatabaseProvider(plane: $0, store: store) }
        // Public URLs through Caddy (`--router caddy`): the drivers route each healthy version,
        // and Caddy asks this listener before it issues an on-demand certificate.
        let askURL = configuration.listenPort == 0 ? nil : CertificateAskHandler.url(listenHost: configuration.listenHost, listenPort: configuration.listenPort)
        runnerConfiguration.router = try configuration.router.makeRouter(askURL: askURL, grants: configuration.grants)
        let repositoryName = configuration.forge.repository?.description ?? repository.displaySource
        let evidence = EvidenceWriter(
            repository: repository, store: store,
            configuration: .init(branch: configuration.evidenceBranch, repositoryName: repositoryName, authorName: configuration.botName,
                                 authorEmail: configuration.botEmail, redactor: redactor),
            logger: logger)
        let docs = DocsGenerator.Configuration(redactor: redactor, authorName: configuration.botName, authorEmail: configuration.botEmail)
        var evidenceBaseURL: String?
        if let forgeRepository = configuration.forge.repository {
            let web = configuration.forge.apiBaseURL.hasPrefix("https://api.github.com")
                ? "https://github.com" : configuration.forge.apiBaseURL.replacingOccurrences(of: "/api/v3", with: "")
            evidenceBaseURL = "\(web)/\(forgeRepository)/tree/\(configuration.evidenceBranch)/"
        }
        let comments = PullRequestCommentPublisher(store: store, repository: repository, forge: queue, redactor: redactor, logger: logger,
                                                   isolationWarning: configuration.isolation == .none ? Self.unconfinedWarning : nil)
        let observer = BotDeploymentObserver(store: store, repository: repository, comments: comments, logger: logger,
                                             evidence: evidence, docs: docs,
                                             docsPublisher: DocsPublisher(mode: configuration.docsPublish, repository: repository, client: client,
                                                                          forge: queue, store: store, logger: logger),
                                             workDir: configuration.workDir, evidenceBaseURL: evidenceBaseURL)
        let runner = RunnerService(store: store, repository: repository, logger: logger, configuration: runnerConfiguration, observer: observer)
        // When the forge lists pull requests again after failing, the comment and status queue
        // stops waiting out its backoff and catches up.
        let source = client.map { ForgePullRequestSource(client: $0, onRecovered: { [weak queue] in queue?.retryNow() }) }
        let promotionsBox = Box<PromotionController>()
        let reconciler = Reconciler(
            repository: repository, store: store, defaultBranch: configuration.defaultBranch,
            pullRequestSource: source, grants: configuration.grants, logger: logger,
            onEnqueue: { _ in runner.wake() }, onPlan: { plan in
                comments.publish(plan: plan)
                promotionsBox.value?.requestEvaluation(unapproved: plan.unapproved)
            })
        let promotions = PromotionController(
            store: store, repository: repository, client: client, forge: queue, comments: comments, defaultBranch: configuration.defaultBranch,
            logger: logger, onShipped: { [weak reconciler] in
                // Outside the promotion's lock and the reconciler's: the next reconcile deploys it.
                guard let reconciler else { return }
                DispatchQueue.global().async { _ = try? reconciler.reconcile(trigger: "promotion") }
            })
        promotionsBox.value = promotions
        observer.onDeployed = { [weak promotions] in promotions?.requestEvaluation() }
        let retention = configuration.evidenceRetention.map { olderThan in
            EvidenceRetention(
                pruner: EvidencePruner(repository: repository, store: store, branch: configuration.evidenceBranch,
                                       authorName: configuration.botName, authorEmail: configuration.botEmail),
                olderThan: olderThan, compressAfter: configuration.evidenceCompressAfter, logger: logger)
        }
        var schedule: SnapshotSchedule?
        if let plane, let every = configuration.data.snapshotEvery, plane.server.production != nil {
            let service = SnapshotService(plane: plane, repository: repository, store: store, branch: configuration.defaultBranch,
                                          evidence: evidence, logger: logger)
            schedule = SnapshotSchedule(plane: plane, every: every, service: service, logger: logger)
        }
        return Pipeline(reconciler: reconciler, runner: runner, forgeQueue: queue, forgeClient: client, evidence: evidence,
                        retention: retention, promotions: promotions, repository: repository, pullRequestSource: source,
                        snapshotSchedule: schedule, spares: plane?.spares, evidenceBaseURL: evidenceBaseURL, router: runnerConfiguration.router,
                        routerConvergence: (runnerConfiguration.router as? CaddyRouter).map { caddy in
                            PeriodicTask(name: "router convergence", interval: min(60, configuration.reconcileInterval), logger: logger) {
                                try caddy.converge() ? "restored Slipway's routes" : "in step"
                            }
                        })
    }

    init(instance: String, configuration: BotConfiguration, store: any Store, logger: Logger, handler: any DeliveryHandler,
         pipeline: Pipeline?, metrics: Metrics, reconcileLoop: ReconcileLoop?) throws {
        self.metrics = metrics
        self.reconcileLoop = reconcileLoop
        self.instance = instance
        self.pipeline = pipeline
        self.reconciler = pipeline?.reconciler
        self.configuration = configuration
        self.store = store
        self.logger = logger
        storeRetention = StoreRetention(store: store, forgeQueue: pipeline?.forgeQueue, deliveryRetention: configuration.deliveryRetention,
                                        jobRetention: configuration.jobRetention, logger: logger)
        let diagnostics = Diagnostics(configuration: configuration, parts: .init(store: store, forge: pipeline?.forgeClient,
                                                                                 repository: pipeline?.repository),
                                      redactor: logger.redactor, logger: logger)
        let monitor = configuration.diagnosticsInterval.map { DiagnosticsMonitor(diagnostics: diagnostics, interval: $0, logger: logger) }
        diagnosticsMonitor = monitor
        startupRedelivery = configuration.forgeHook.flatMap { hook in
            (pipeline?.forgeClient ?? (try? diagnostics.forge?.get())).map {
                StartupRedelivery(redelivery: HookRedelivery(client: $0, hook: hook, store: store, logger: logger))
            }
        }

        var workerConfig = DeliveryWorkers.Configuration()
        workerConfig.count = configuration.deliveryWorkers
        workerConfig.instance = instance
        let workers = DeliveryWorkers(store: store,
                                      processor: DeliveryProcessor(handler: handler, repositoryFullName: configuration.forge.repository?.description),
                                      metrics: metrics, logger: logger, configuration: workerConfig,
                                      onFinished: { reconcileLoop?.journalChanged() })
        self.workers = workers
        store.observeJournal { workers.wake() }
        let ingress = WebhookIngress(secret: configuration.webhookSecret, store: store, metrics: metrics,
                                     logger: logger, onAccepted: { workers.wake() })

        var router = Router()
        router.post(configuration.webhookPath, Self.timed(route: configuration.webhookPath, metrics: metrics) { ingress.handle($0) })
        if let environmentRouter = pipeline?.router {
            let ask = CertificateAskHandler(router: environmentRouter)
            router.get(CertificateAskHandler.path) { ask.handle($0) }
        }
        router.get("/healthz", Self.timed(route: "/healthz", metrics: metrics) { _ in
            HTTPResponse(status: 200, body: Data("{\"status\":\"ok\"}\n".utf8), contentType: "application/json")
        })
        let repository = pipeline?.repository
        let source = pipeline?.pullRequestSource
        var repositoryFailure: (@Sendable () -> String?)?
        if let repository { repositoryFailure = { repository.fetchFailure } }
        var forgeFailure: (@Sendable () -> String?)?
        if let source { forgeFailure = { source.listingFailure } }
        var checks = Readiness(store: store, repositoryFailure: repositoryFailure, forgeFailure: forgeFailure)
        if let monitor { checks.diagnostics = { monitor.reportJSON } }
        let readiness = checks
        let unready = LogThrottle()
        router.get("/readyz", Self.timed(route: "/readyz", metrics: metrics) { _ in
            let (status, body, failures) = readiness.check()
            if !failures.isEmpty, unready.admit().write {
                logger.warning("not ready", failures.reduce(into: [:]) { $0["\($1.key).error"] = $1.value })
            }
            return HTTPResponse(status: status, body: Data(body.utf8), contentType: "application/json")
        })
        let forgeClient = pipeline?.forgeClient
        let forgeQueue = pipeline?.forgeQueue
        // The read API and the dashboard, with the operator's token; on the admin listener
        // (with /metrics) when there is one.
        var adminRouter = Router()
        let access = try configuration.apiTokenFile.map { try APIAccess.load(file: $0) }
        if let access {
            let api = ReadAPI(store: store, repository: pipeline?.repository, defaultBranch: configuration.defaultBranch, access: access,
                              evidenceBaseURL: pipeline?.evidenceBaseURL)
            let dashboard = Dashboard(api: api, repositoryName: configuration.forge.repository?.description ?? pipeline?.repository.displaySource ?? "slipway",
                                      templateDirectory: configuration.dashboardTemplates, diagnostics: { [weak monitor] in monitor?.report })
            if configuration.adminListen != nil {
                api.register(into: &adminRouter)
                dashboard.register(into: &adminRouter)
            } else {
                api.register(into: &router)
                dashboard.register(into: &router)
            }
        }
        let metricsHandler: Router.Handler = { _ in
            let depth = try? store.journalDepth()
            // Every state, so a gauge drops to 0 instead of vanishing.
            let jobs = (try? store.jobCounts()).map { counts in
                Dictionary(uniqueKeysWithValues: JobRecord.Status.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
            }
            var text = metrics.render(journalDepth: depth, jobsByState: jobs)
            if let forgeClient {
                text += Metrics.renderForge(forgeClient.statistics.snapshot, refusedUpdates: forgeQueue?.refusedUpdates)
            }
            text += Metrics.renderProcess()
            return HTTPResponse(status: 200, body: Data(text.utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        if let admin = configuration.adminListen {
            adminRouter.get("/metrics", metricsHandler)
            var adminConfig = HTTPServer.Configuration()
            adminConfig.host = admin.host
            adminConfig.port = admin.port
            adminConfig.maxBodySize = 64 * 1024
            adminConfig.connectionTimeout = configuration.connectionTimeout
            adminConfig.workerThreads = 4
            adminServer = HTTPServer(configuration: adminConfig, handler: adminRouter.handler)
        } else {
            router.get("/metrics", metricsHandler)
            adminServer = nil
        }
        var serverConfig = HTTPServer.Configuration()
        serverConfig.host = configuration.listenHost
        serverConfig.port = configuration.listenPort
        serverConfig.maxBodySize = configuration.maxBody
        serverConfig.connectionTimeout = configuration.connectionTimeout
        // A webhook handler does not wait for a commit (the journal indexes behind the answer),
        // so a few threads per core keep the cores busy; more only add malloc arenas (16 threads
        // took the peak RSS from 57 to 66 MiB under ingress.sh) and context switches.
        serverConfig.workerThreads = Self.httpWorkerThreads
        server = HTTPServer(configuration: serverConfig, handler: router.handler)
    }

    /// One pass of the store retention now (tests; `serve` runs it at start and daily).
    @discardableResult
    public func applyStoreRetention(now: Date) throws -> String {
        "\(try storeRetention.apply(now: now))"
    }

    /// Binds the listener and starts the workers.
    public func start() throws {
        if pipeline != nil {
            switch configuration.isolation {
            case .none:
                logger.warning(Self.unconfinedWarning)
            case .sandbox:
                let capability = Isolation.probe()
                if capability.available {
                    logger.info("builds and apps run sandboxed: one uid, namespaces and limits per environment")
                } else {
                    logger.warning("this host cannot isolate builds, so previews are refused until it can (or --isolation none is given)",
                                   ["reason": capability.reason])
                }
            }
        }
        if let pipeline {
            _ = try? store.releaseJobs(ownedBy: instance)
            pipeline.forgeQueue?.start()
            pipeline.evidence.start()
            pipeline.retention?.start()
            pipeline.snapshotSchedule?.start()
            pipeline.spares?.start()
            // No runner workers: the bot plans and queues jobs but runs none (tests of planning).
            if configuration.runnerWorkers > 0 { pipeline.runner.start() }
            // After the runner's start-up sync, so the routes it adopted are the known ones.
            pipeline.routerConvergence?.start()
        }
        storeRetention.start()
        try server.start()
        try adminServer?.start()
        workers.start()
        startupRedelivery?.start()
        diagnosticsMonitor?.start()
        if let reconcileLoop {
            reconcileLoop.start()
        } else {
            logger.warning("no --repo given: deliveries are journaled but nothing is deployed")
        }
        logger.info("slipway listening", [
            "listen": "\(configuration.listenHost):\(server.port)", "webhook.path": configuration.webhookPath,
            "store": configuration.store.description,
        ])
    }

    /// Waits until every delivery marked before this call is covered by a finished reconcile
    /// (tests; true at once without `--repo`); false when `timeout` passed first.
    @discardableResult
    public func waitUntilReconciled(timeout: Double = 60) -> Bool {
        reconcileLoop?.waitUntilReconciled(timeout: timeout) ?? true
    }

    /// The latest diagnostics report (`/readyz`'s `diag`), nil until the first run ends.
    public var latestDiagnostics: DiagnosticReport? { diagnosticsMonitor?.report }

    /// The summary of the redelivery asked for at start, once it ended (nil without
    /// `--forge-hook-id`, or when `timeout` passed first).
    public func waitForStartupRedelivery(timeout: Double = 60) -> HookRedelivery.Summary? {
        startupRedelivery?.wait(timeout: timeout)
    }

    /// The bound port (useful with port 0).
    public var port: UInt16 { server.port }
    /// The admin listener's bound port (nil without `--admin-listen`).
    public var adminPort: UInt16? { adminServer?.port }

    /// Stops intake (no new connections), waits for in-flight requests and deliveries. Idempotent.
    public func stop() {
        lock.lock()
        if stopped { lock.unlock(); return }
        stopped = true
        lock.unlock()
        logger.info("slipway stopping")
        server.stop()
        adminServer?.stop()
        workers.stop()
        reconcileLoop?.stop()
        pipeline?.runner.stop()
        pipeline?.evidence.shutdown()
        pipeline?.retention?.stop()
        pipeline?.snapshotSchedule?.stop()
        pipeline?.routerConvergence?.stop()
        pipeline?.spares?.stop()
        storeRetention.stop()
        startupRedelivery?.stop()
        diagnosticsMonitor?.stop()
        pipeline?.forgeQueue?.stop(timeout: 10)
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
