import CProcess
import Foundation
public import Reconcile
public import SlipwayCore
public import Store
#if canImport(Glibc)
import Glibc
#endif

/// The worker side of Slipway: a fixed set of threads (`--workers N`) that take jobs from the
/// store's durable queue with a lease and make environments real (build, deploy, health,
/// teardown), plus the supervision of the apps they started.
///
/// While a job runs, a companion thread renews its lease and watches the store for a
/// cancellation request (a newer SHA for the same environment): the job's process group is then
/// stopped. `start()` first adopts the apps a previous bot left running (same pid and start
/// time) or starts them again. `stop()` stops intake, lets running jobs finish until
/// `shutdownDeadline`, cancels the rest, and leaves apps running for the next start.
public final class RunnerService: @unchecked Sendable {
    public let configuration: RunnerConfiguration
    private let store: any Store
    private let logger: Logger
    private let observer: (any DeploymentObserver)?
    let executor: JobExecutor
    private let lock = NSLock()
    private var started = false
    private var tokens: [Int64: CancellationToken] = [:]
    private var pool: PollingWorkers!

    public init(store: any Store, repository: ManagedRepository, logger: Logger, configuration: RunnerConfiguration,
                observer: (any DeploymentObserver)? = nil) {
        self.store = store
        self.logger = logger
        self.configuration = configuration
        self.observer = observer
        executor = JobExecutor(store: store, repository: repository, configuration: configuration, logger: logger)
        pool = PollingWorkers(name: "slipway-runner", count: configuration.workers, pollInterval: configuration.pollInterval) { [unowned self] owner in
            self.takeOne(owner: owner)
        }
    }

    /// Adopts running apps, then starts the workers.
    public func start() {
        lock.lock()
        if started { lock.unlock(); return }
        started = true
        lock.unlock()
        // Orphans of our children (a build's background processes whose parent died) are
        // reparented to the bot and reaped with their group, so a stopped group is really gone.
        _ = slipway_set_child_subreaper()
        // No core dump of the bot's memory, and no process of its uid reads its /proc files.
        do {
            try Isolation.makeBotNonDumpable()
        } catch {
            logger.warning("could not make the bot non-dumpable", ["error": error.message])
        }
        if configuration.isolation == .none {
            logger.warning("isolation is off (--isolation none): builds and apps run unconfined as the bot's user")
        }
        executor.adoptEnvironments()
        pool.start(ownerPrefix: "\(configuration.instance)/runner-")
    }

    /// A job was enqueued: look now instead of at the next poll.
    public func wake() {
        pool.wake()
    }

    /// Stops taking jobs, waits for running ones until the shutdown deadline, cancels what is
    /// left, and stops supervising (apps keep running and are adopted at the next start).
    public func stop() {
        pool.stop(deadline: configuration.shutdownDeadline) {
            lock.lock()
            let running = Array(tokens.values)
            lock.unlock()
            for token in running { token.cancel("the bot is stopping") }
        }
        executor.waitForRetiring()
        executor.detachAll()
    }

    /// Stops every app this runner supervises (their process groups), for a full shutdown.
    /// The store still says they run; the next start finds them gone and starts them again.
    public func stopApplications() {
        executor.stopAll()
    }

    /// The pid and port of the app serving `environment`, if this runner supervises one.
    public func supervisedApp(_ environment: String) -> (pid: Int32, port: Int)? {
        guard let app = executor.app(environment) else { return nil }
        return (app.current.pid, app.launch.port)
    }

    /// Runs the oldest claimable job, if any.
    private func takeOne(owner: String) -> Bool {
        do {
            guard let job = try store.claimJob(owner: owner, lease: configuration.lease, now: Date()) else { return false }
            run(job, owner: owner)
            return true
        } catch {
            logger.error("could not read the job queue", ["error": "\(error)"])
            return false
        }
    }

    private func run(_ job: JobRecord, owner: String) {
        let log = logger.with(["job.id": "\(job.id)", "env": job.environment, "job.kind": job.kind.rawValue, "sha": job.sha ?? ""])
        let token = CancellationToken()
        lock.lock()
        tokens[job.id] = token
        lock.unlock()
        if pool.isStopping { token.cancel("the bot is stopping") }
        if job.cancelRequested { token.cancel("a newer job for \(job.environment) was queued") }

        let keeper = LeaseKeeper(store: store, job: job, owner: owner, configuration: configuration, token: token, logger: log)
        keeper.start()
        log.info("job started", ["trigger": job.trigger])
        observer?.jobStarted(job, environment: job.environment)
        let outcome = executor.execute(job, cancellation: token)
        keeper.stop()

        do {
            try store.finishJob(id: job.id, owner: owner, status: outcome.status, error: outcome.error, now: Date())
        } catch {
            log.error("could not record the job result", ["error": "\(error)"])
        }
        lock.lock()
        tokens[job.id] = nil
        lock.unlock()
        var fields = ["status": outcome.status.rawValue]
        if let error = outcome.error { fields["error"] = error }
        if outcome.status == .succeeded { log.info("job finished", fields) } else { log.warning("job finished", fields) }
        var finished = (try? store.job(id: job.id)) ?? nil ?? job
        if finished.status.isPending {
            finished.status = outcome.status
            finished.error = outcome.error
        }
        observer?.jobFinished(finished, report: outcome.report)
    }
}

/// Renews a running job's lease and turns a cancellation request in the store (or a lost lease)
/// into a cancellation of the job, on a thread of its own.
final class LeaseKeeper: @unchecked Sendable {
    private let store: any Store
    private let job: JobRecord
    private let owner: String
    private let configuration: RunnerConfiguration
    private let token: CancellationToken
    private let logger: Logger
    private let condition = NSCondition()
    private var done = false
    private var exited = false

    init(store: any Store, job: JobRecord, owner: String, configuration: RunnerConfiguration, token: CancellationToken, logger: Logger) {
        self.store = store
        self.job = job
        self.owner = owner
        self.configuration = configuration
        self.token = token
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "slipway-lease-\(job.id)"
        thread.start()
    }

    func stop() {
        condition.lock()
        done = true
        condition.broadcast()
        while !exited { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        var renewAt = Date().addingTimeInterval(configuration.lease / 3)
        while true {
            condition.lock()
            if !done { _ = condition.wait(until: Date().addingTimeInterval(configuration.cancelPollInterval)) }
            if done {
                exited = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.unlock()
            if !token.isCancelled, let current = try? store.job(id: job.id), current.cancelRequested {
                token.cancel("a newer job for \(job.environment) was queued")
                logger.info("job cancellation requested")
            }
            if Date() >= renewAt {
                renewAt = Date().addingTimeInterval(configuration.lease / 3)
                do {
                    if try !store.renewJobLease(id: job.id, owner: owner, until: Date().addingTimeInterval(configuration.lease)) {
                        token.cancel("the job's lease was lost to another worker")
                    }
                } catch {
                    logger.warning("could not renew the job lease", ["error": "\(error)"])
                }
            }
        }
    }
}
