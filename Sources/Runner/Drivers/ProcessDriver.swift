import Foundation
import SlipwayCore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `deploy.driver: process`: `deploy.run` as a supervised process group on a loopback port. Owns
/// the apps it supervises (one live app per environment, plus a candidate during a swap), their
/// ports, and the old versions being stopped in the background after a swap.
final class ProcessDriver: DeployDriver, @unchecked Sendable {
    unowned let executor: JobExecutor
    let ports = PortAllocator()
    private let lock = NSLock()
    private var apps: [String: AppSupervisor] = [:]

    init(executor: JobExecutor) {
        self.executor = executor
    }

    private var configuration: RunnerConfiguration { executor.configuration }
    private var logger: Logger { executor.logger }

    /// The app serving `name`, if this runner supervises one.
    func app(_ name: String) -> AppSupervisor? {
        lock.lock()
        defer { lock.unlock() }
        return apps[name]
    }

    private func setApp(_ name: String, _ app: AppSupervisor?) -> AppSupervisor? {
        lock.lock()
        defer { lock.unlock() }
        let old = apps[name]
        apps[name] = app
        return old
    }

    var policy: AppSupervisor.Policy {
        AppSupervisor.Policy(restartLimit: configuration.restartLimit, firstBackoff: configuration.restartBackoff,
                             maxBackoff: configuration.maxRestartBackoff, stableAfter: configuration.stableAfter,
                             grace: configuration.killGrace, logLimit: configuration.appLogLimit)
    }

    // MARK: Deploy

    func deploy(_ context: DeployContext, record: inout EnvironmentRecord, report: inout DeploymentReport) throws {
        let cancellation = context.cancellation
        let space = context.space
        let spec = context.spec
        guard let run = spec.deploy.run else { throw JobExecutor.Failure(phase: .deploy, message: "deploy.run is missing") }
        let port: Int
        let fifo: String
        do {
            port = try ports.allocate()
            fifo = try space.makeFIFO(slot: context.slot)
        } catch {
            throw JobExecutor.Failure(phase: .deploy, message: error.message)
        }
        var variables = context.environment.variables
        variables["PORT"] = "\(port)"
        // This deploy's output starts a new app.log: the evidence of the deploy holds only it.
        space.rotateAppLog()
        let launch = AppSupervisor.Launch(
            command: ChildCommand(shell: run, environment: variables, directory: context.checkout, sandbox: context.sandbox), port: port,
            slot: context.slot, fifo: fifo, logPath: space.appLog, secrets: context.environment.secretValues,
            label: "\(context.name)@\(context.sha.prefix(7))"
        )
        let name = context.name
        let candidate = AppSupervisor(launch: launch, policy: policy, restartsEnabled: false) { [weak self] app, event in
            self?.appEvent(name, app: app, event: event)
        }
        let startedAt = Date()
        let started: (pid: pid_t, start: UInt64)
        do {
            started = try candidate.start()
        } catch {
            ports.release(port)
            throw JobExecutor.Failure(phase: .deploy, message: "cannot start deploy.run: \(error.message)")
        }
        space.addOrphan(pid: started.pid)
        report.steps.append(.init(name: "deploy", command: run, exitCode: nil, startedAt: startedAt, durationSeconds: 0, log: "app.log"))

        let path = spec.health?.path ?? "/"
        let timeout = (spec.health?.timeout ?? configuration.defaultHealthTimeout).seconds
        let outcome = executor.health.wait(url: "http://127.0.0.1:\(port)\(path)", timeout: timeout, anyStatus: spec.health == nil) {
            if let reason = cancellation.reason { return "cancelled: \(reason)" }
            if let exited = candidate.exited { return "\(exited) before it answered the health check" }
            return nil
        }
        report.health = outcome.attempts
        report.steps[report.steps.count - 1].durationSeconds = Date().timeIntervalSince(startedAt)
        let discard = {
            candidate.stop()
            self.ports.release(port)
            space.clearOrphans()
        }
        guard outcome.healthy else {
            let tail = RedactingLogWriter.tail(of: space.appLog, lines: configuration.failureTailLines)
            discard()
            throw JobExecutor.Failure(phase: .health, message: outcome.failure ?? "unhealthy", logTail: tail, cancelled: cancellation.isCancelled)
        }

        // Healthy: the route moves to the new version while the old one still serves.
        let url: String
        do {
            url = try executor.publish(context, upstreams: ["127.0.0.1:\(port)"], loopback: "http://127.0.0.1:\(port)")
        } catch {
            discard()
            throw error
        }
        // Then the new version takes over, and the old one stops.
        candidate.enableRestarts()
        let old = setApp(name, candidate)
        let oldLive = space.readLive()
        space.writeLive(.init(sha: context.sha, contentID: report.contentID, specFile: spec.file, slot: context.slot, port: port,
                              pid: started.pid, processStart: started.start))
        record.status = .healthy
        record.port = port
        record.pid = started.pid
        record.processStart = started.start
        record.url = url
        record.lastError = nil
        record.updatedAt = Date()
        executor.save(record, context.run)
        space.clearOrphans()
        report.url = record.url
        // The old version stops in the background: the job (and the PR comment) need not wait
        // for it to exit.
        // The next build of this environment checks out into the old version's slot: it waits
        // until the old version is gone (`waitForRetirement`).
        let ports = self.ports
        let grace = configuration.killGrace
        if let old {
            beginRetirement(name)
            Thread { [self] in
                old.stop()
                ports.release(old.launch.port)
                endRetirement(name)
            }.start()
        } else if let oldLive, ProcStat.matches(pid: oldLive.pid, startTime: oldLive.processStart) {
            beginRetirement(name)
            Thread { [self] in
                ProcessGroup(id: oldLive.pid).terminate(grace: grace)
                ports.release(oldLive.port)
                endRetirement(name)
            }.start()
        }
    }

    // MARK: Teardown

    func teardown(_ context: TeardownContext, report: inout DeploymentReport, redactor: inout Redactor) throws {
        waitForRetirement(context.name)
        stopApp(context.name, record: context.record)
    }

    func replaced(_ environment: String) {
        if let old = setApp(environment, nil) {
            old.stop()
            ports.release(old.launch.port)
        }
        executor.workspace(environment).writeLive(nil)
    }

    func upstreams(_ record: EnvironmentRecord) -> [String]? {
        guard app(record.name) != nil, let port = record.port else { return nil }
        return ["127.0.0.1:\(port)"]
    }

    /// Stops the app of `name`, supervised or (after a failed adoption) known only by its record.
    func stopApp(_ name: String, record: EnvironmentRecord?) {
        if let app = setApp(name, nil) {
            app.stop()
            ports.release(app.launch.port)
        }
        let live = executor.workspace(name).readLive()
        for (pid, start) in [(record?.pid, record?.processStart), (live?.pid, live?.processStart)] {
            if let pid, let start, ProcStat.matches(pid: pid, startTime: start) {
                ProcessGroup(id: pid).terminate(grace: configuration.killGrace)
            }
        }
        if let port = record?.port { ports.release(port) }
        executor.workspace(name).writeLive(nil)
    }

    // MARK: Supervision events

    private func appEvent(_ name: String, app: AppSupervisor, event: AppSupervisor.Event) {
        guard self.app(name) === app else { return }
        guard var record = try? executor.store.environment(named: name) else { return }
        let space = executor.workspace(name)
        switch event {
        case .restarted(let pid, let start):
            logger.warning("app restarted", ["env": name, "pid": "\(pid)"])
            record.pid = pid
            record.processStart = start
            if var live = space.readLive() {
                live.pid = pid
                live.processStart = start
                space.writeLive(live)
            }
        case .gaveUp(let reason):
            logger.error("app keeps crashing; environment failed", ["env": name, "reason": reason])
            _ = setApp(name, nil)
            ports.release(app.launch.port)
            space.writeLive(nil)
            record.status = .failed
            record.lastError = reason
            record.pid = nil
            record.processStart = nil
        }
        record.updatedAt = Date()
        executor.save(record)
    }

    // MARK: Adoption after a restart of the bot

    /// Finds the apps the store says run: adopts those still alive (same pid and start time),
    /// starts the others again from their checkout. Kills leftovers of interrupted jobs.
    func adopt(_ records: [EnvironmentRecord]) {
        let isolation = executor.isolation
        for record in records where app(record.name) == nil {
            let space = executor.workspace(record.name)
            let killed = space.killOrphans(grace: configuration.killGrace)
            if killed > 0 { logger.warning("stopped processes left by an interrupted job", ["env": record.name, "count": "\(killed)"]) }
            guard let live = space.readLive(), let pid = record.pid, let start = record.processStart, live.pid == pid else { continue }
            let specCommit = record.sha == live.sha ? (record.specSHA ?? live.sha) : live.sha
            let resolved = try? executor.readSpec(policy: specCommit, code: live.sha, specFile: live.specFile, phase: .deploy)
            var launch: AppSupervisor.Launch?
            // The sandbox it runs in (nil: unconfined); a preview that can no longer be confined is not restarted.
            var sandbox: Sandbox?
            var confinable = true
            if let spec = resolved?.spec {
                do {
                    sandbox = try isolation.sandbox(environment: record.name, kind: spec.kind, limits: spec.limits,
                                                    writable: [space.path(live.slot), space.home])
                } catch {
                    confinable = false
                    logger.error("cannot confine an adopted app", ["env": record.name, "error": error.message])
                }
            }
            if confinable, let spec = resolved?.spec, let run = spec.deploy.run,
               var environment = try? ChildEnvironment.make(spec: spec, environment: record.name, sha: live.sha,
                                                            pullRequest: record.pullRequest, home: space.home,
                                                            grants: configuration.grants, secretSource: configuration.secretSource,
                                                            mailCatchall: configuration.mailCatchall),
               executor.adoptDatabase(record.name, spec: spec, staging: resolved?.stagingEnvironment, into: &environment),
               let fifo = try? space.makeFIFO(slot: live.slot) {
                var variables = environment.variables
                variables["PORT"] = "\(live.port)"
                launch = AppSupervisor.Launch(
                    command: ChildCommand(shell: run, environment: variables, directory: space.path(live.slot), sandbox: sandbox),
                    port: live.port,
                    slot: live.slot, fifo: fifo, logPath: space.appLog, secrets: environment.secretValues,
                    label: "\(record.name)@\(live.sha.prefix(7))"
                )
            }
            let alive = ProcStat.matches(pid: pid, startTime: start)
            guard let launch else {
                if !alive {
                    var failed = record
                    failed.status = .failed
                    failed.lastError = "the app stopped while the bot was down and cannot be started again (spec unreadable at \(live.sha.prefix(7)))"
                    failed.pid = nil
                    failed.processStart = nil
                    failed.updatedAt = Date()
                    executor.save(failed)
                    space.writeLive(nil)
                } else {
                    logger.warning("adopted an app whose spec cannot be read; it will not be restarted", ["env": record.name])
                }
                continue
            }
            let app = AppSupervisor(launch: launch, policy: policy, restartsEnabled: true) { [weak self] app, event in
                self?.appEvent(record.name, app: app, event: event)
            }
            do {
                if alive {
                    try app.adopt(pid: pid, start: start)
                    ports.reserve(live.port)
                    _ = setApp(record.name, app)
                    logger.info("adopted a running app", ["env": record.name, "pid": "\(pid)", "port": "\(live.port)"])
                } else {
                    ports.reserve(live.port)
                    let started = try app.start()
                    _ = setApp(record.name, app)
                    var updated = record
                    updated.pid = started.pid
                    updated.processStart = started.start
                    updated.updatedAt = Date()
                    executor.save(updated)
                    var moved = live
                    moved.pid = started.pid
                    moved.processStart = started.start
                    space.writeLive(moved)
                    logger.warning("the app had stopped while the bot was down; started it again", ["env": record.name, "pid": "\(started.pid)"])
                }
            } catch {
                logger.error("could not adopt or restart an app", ["env": record.name, "error": "\(error)"])
            }
        }
    }

    /// Stops supervising every app and leaves them running (for the next bot to adopt).
    func detach() {
        lock.lock()
        let all = apps
        apps.removeAll()
        lock.unlock()
        for app in all.values { app.detach() }
    }

    /// Stops every app this runner supervises.
    func stopAll() {
        waitForRetiring()
        lock.lock()
        let all = apps
        apps.removeAll()
        lock.unlock()
        for (name, app) in all {
            app.stop()
            ports.release(app.launch.port)
            executor.workspace(name).writeLive(nil)
        }
    }

    // MARK: Retiring old versions

    /// Old versions being stopped in the background after a new one took over, per environment.
    private let retirement = NSCondition()
    private var retiringCount: [String: Int] = [:]

    private func beginRetirement(_ name: String) {
        retirement.lock()
        retiringCount[name, default: 0] += 1
        retirement.unlock()
    }

    private func endRetirement(_ name: String) {
        retirement.lock()
        retiringCount[name, default: 1] -= 1
        if retiringCount[name] == 0 { retiringCount[name] = nil }
        retirement.broadcast()
        retirement.unlock()
    }

    /// Waits until the old versions of `name` have stopped (a stop is bounded: SIGTERM, the
    /// grace, SIGKILL), so their checkout slot can be reused.
    func waitForRetirement(_ name: String) {
        retirement.lock()
        while retiringCount[name] != nil { retirement.wait() }
        retirement.unlock()
    }

    /// Waits until every old version replaced by a new one has stopped (bounded).
    func waitForRetiring() {
        let end = Date().addingTimeInterval(configuration.killGrace + 12)
        retirement.lock()
        while !retiringCount.isEmpty && Date() < end { _ = retirement.wait(until: end) }
        retirement.unlock()
    }
}
