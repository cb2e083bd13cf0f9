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
/// stopped; a lease that cannot be renewed stops the job before the lease ends, and every write
/// of a run is fenced by its `JobLease`. A job whose runs were interrupted `maxAttempts` times
/// fails for good. `start()` first adopts the apps a previous bot left running (same pid and
/// start time) or starts them again. `stop()` stops intake, lets running jobs finish until
/// `shutdownDeadline`, puts the rest back into the queue, and leaves apps running for the next
/// start.
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
        // reparented to the bot and reaped with their group, so a stopped group is really gone;
        // those that left their group (setsid) are reaped by the reaper of orphans.
        _ = slipway_set_child_subreaper()
        ChildReaper.shared.start()
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
            for token in running { token.cancel(.stopping, "the bot is stopping") }
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
        let lease = JobLease(job: job, owner: owner)
        let log = logger.with(["job.id": "\(job.id)", "env": job.environment, "job.kind": job.kind.rawValue, "sha": job.sha ?? "",
                               "job.attempt": "\(job.attempts)"])
        if job.countedAttempts > configuration.maxAttempts {
            giveUp(job, lease: lease, log: log)
            return
        }
        let token = CancellationToken()
        lock.lock()
        tokens[job.id] = token
        lock.unlock()
        if pool.isStopping { token.cancel(.stopping, "the bot is stopping") }
        if job.cancelRequested { token.cancel(.superseded, "a newer job for \(job.environment) was queued") }

        let keeper = LeaseKeeper(store: store, lease: lease, environment: job.environment, configuration: configuration,
                                 token: token, logger: log)
        keeper.start()
        log.info("job started", ["trigger": job.trigger])
        observer?.jobStarted(job, environment: job.environment)
        let outcome = executor.execute(job, lease: lease, cancellation: token)
        keeper.stop()
        lock.lock()
        tokens[job.id] = nil
        lock.unlock()

        if outcome.status == .cancelled, let cause = token.cause, cause != .superseded {
            switch cause {
            case .stopping:
                // Not a failure: the job runs again at the next start (or on another replica).
                do {
                    if try store.requeueJob(lease) {
                        log.info("job put back in the queue", ["reason": token.reason ?? ""])
                    } else {
                        log.warning("job not put back: another worker holds it")
                    }
                } catch {
                    log.error("could not put the job back; it runs again once its lease expires", ["error": "\(error)"])
                }
            default:
                // Another worker may hold it by now: this run writes nothing more.
                log.warning("job stopped: its lease could not be kept", ["reason": token.reason ?? ""])
            }
            return
        }

        let recorded: Bool
        do {
            recorded = try store.finishJob(lease, status: outcome.status, error: outcome.error, now: Date())
        } catch {
            log.error("could not record the job result", ["error": "\(error)"])
            return
        }
        guard recorded else {
            log.warning("job result not recorded: another worker holds the job now", ["status": outcome.status.rawValue])
            return
        }
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

    /// A job whose runs keep being interrupted (it crashes the bot, or its worker keeps losing
    /// the store) fails for good instead of running at every start.
    private func giveUp(_ job: JobRecord, lease: JobLease, log: Logger) {
        let runs = job.countedAttempts - 1
        let reason = "gave up after \(runs) attempt\(runs == 1 ? "" : "s"): every run was interrupted before it finished "
            + "(the bot crashed or was killed, or lost the store, while it ran); push a fix or run `slipway env deploy`"
        log.error("job failed for good", ["reason": reason])
        let report = executor.giveUp(job, lease: lease, reason: reason)
        do {
            guard try store.finishJob(lease, status: .failed, error: reason, now: Date()) else { return }
        } catch {
            log.error("could not record the job result", ["error": "\(error)"])
            return
        }
        var finished = job
        finished.status = .failed
        finished.error = reason
        observer?.jobFinished(finished, report: report)
    }
}

/// Renews a running job's lease and turns a cancellation request in the store (or a lost lease)
/// into a cancellation of the job, on a thread of its own.
///
/// The token is set to expire `stopMargin` before the lease would: a renewal that fails or
/// hangs (the store is unreachable) lets that moment come, and the job stops while the lease
/// is still its own, so no second worker ever runs it alongside. Each successful renewal moves
/// the moment on. `stop()` does not wait for a renewal stuck in the store.
final class LeaseKeeper: @unchecked Sendable {
    private let store: any Store
    private let lease: JobLease
    private let environment: String
    private let configuration: RunnerConfiguration
    private let token: CancellationToken
    private let logger: Logger
    private let condition = NSCondition()
    private var done = false

    init(store: any Store, lease: JobLease, environment: String, configuration: RunnerConfiguration, token: CancellationToken,
         logger: Logger) {
        self.store = store
        self.lease = lease
        self.environment = environment
        self.configuration = configuration
        self.token = token
        self.logger = logger
    }

    /// How long before the lease ends the job is stopped: the SIGTERM grace plus a second, at
    /// most half the lease.
    var stopMargin: TimeInterval { min(configuration.killGrace + 1, configuration.lease / 2) }

    func start() {
        // The claim happened just before: its lease runs from about now.
        token.expire(at: Date().addingTimeInterval(configuration.lease - stopMargin), Self.lostReason)
        let thread = Thread { [self] in self.loop() }
        thread.name = "slipway-lease-\(lease.id)"
        thread.start()
    }

    static let lostReason = "the job's lease could not be renewed (the store is unreachable): stopped before another worker may take it"

    func stop() {
        condition.lock()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    private var isDone: Bool {
        condition.lock()
        defer { condition.unlock() }
        return done
    }

    private func loop() {
        var renewAt = Date().addingTimeInterval(configuration.lease / 3)
        while true {
            condition.lock()
            if !done { _ = condition.wait(until: Date().addingTimeInterval(configuration.cancelPollInterval)) }
            let finished = done
            condition.unlock()
            if finished { return }
            if !token.isCancelled, let current = try? store.job(id: lease.id), current.cancelRequested {
                token.cancel(.superseded, "a newer job for \(environment) was queued")
                logger.info("job cancellation requested")
            }
            guard Date() >= renewAt else { continue }
            let asked = Date()
            do {
                if try store.renewJobLease(lease, until: asked.addingTimeInterval(configuration.lease)) {
                    token.expire(at: asked.addingTimeInterval(configuration.lease - stopMargin), Self.lostReason)
                    renewAt = Date().addingTimeInterval(configuration.lease / 3)
                } else if !isDone {
                    token.cancel(.leaseLost, "the job's lease was lost to another worker")
                    return
                }
            } catch {
                logger.warning("could not renew the job lease", ["error": "\(error)"])
                // Try again soon; the token's deadline stops the job if this goes on.
                renewAt = Date().addingTimeInterval(min(1, configuration.lease / 6))
            }
        }
    }
}
