import Foundation
import Git
import Reconcile
import SlipwayCore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Runs one job end to end (read the spec at the SHA, check out, build, deploy, health; or tear
/// down), keeps the environment's record current and fills the report. Owns the apps it
/// supervises (one live app per environment, plus a candidate during a swap).
final class JobExecutor: @unchecked Sendable {
    let store: any Store
    let repository: ManagedRepository
    let configuration: RunnerConfiguration
    let logger: Logger
    let ports = PortAllocator()
    private let reader = DesiredStateReader()
    private let lock = NSLock()
    private var apps: [String: AppSupervisor] = [:]
    private var health = HealthChecker()
    let isolation: EnvironmentIsolation

    static let lockFileNames: Set<String> = [
        "Package.resolved", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock",
        "Pipfile.lock", "uv.lock", "Gemfile.lock", "go.sum", "Cargo.lock", "composer.lock", "mix.lock", "flake.lock",
    ]

    init(store: any Store, repository: ManagedRepository, configuration: RunnerConfiguration, logger: Logger) {
        self.store = store
        self.repository = repository
        self.configuration = configuration
        self.logger = logger
        isolation = EnvironmentIsolation(configuration: configuration, store: store, logger: logger,
                                         probe: configuration.isolationProbe)
    }

    func workspace(_ name: String) -> EnvironmentWorkspace {
        EnvironmentWorkspace(workDir: configuration.workDir, environment: name)
    }

    /// The app serving `name`, if this runner supervises one.
    func app(_ name: String) -> AppSupervisor? {
        lock.lock()
        defer { lock.unlock() }
        return apps[name]
    }

    var appNames: [String] {
        lock.lock()
        defer { lock.unlock() }
        return Array(apps.keys)
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

    // MARK: Jobs

    struct Outcome {
        var status: JobRecord.Status
        var error: String?
        var report: DeploymentReport
    }

    /// A phase failed: the report says which and why; the job ends with `status`.
    struct Failure: Error {
        var phase: DeploymentReport.Phase
        var message: String
        var logTail: [String] = []
        var cancelled = false
    }

    /// One run of a job: what its writes are fenced by, and what stops it.
    struct Run {
        var lease: JobLease?
        var cancellation: CancellationToken
    }

    func execute(_ job: JobRecord, lease: JobLease? = nil, cancellation: CancellationToken) -> Outcome {
        let run = Run(lease: lease, cancellation: cancellation)
        var report = DeploymentReport(
            environment: job.environment, environmentKind: job.environmentKind ?? .preview, jobKind: job.kind.rawValue,
            pullRequest: job.pullRequest, sha: job.sha ?? "", contentID: job.contentID ?? "", specFile: job.specFile ?? "",
            trigger: job.trigger, startedAt: Date()
        )
        // A store that cannot be read is an error, never "no environment": a teardown would
        // otherwise take the "never deployed" path and delete a running app's checkout.
        let previous: EnvironmentRecord?
        do {
            previous = try store.environment(named: job.environment)
        } catch {
            report.outcome = .failed
            report.failedPhase = .checkout
            report.failure = "cannot read the environment's record from the store: \(error)"
            report.finishedAt = Date()
            return Outcome(status: .failed, error: report.failure, report: report)
        }
        var redactor = Redactor()
        do {
            guard EnvironmentName.isValid(job.environment) else {
                throw Failure(phase: .checkout, message: "'\(job.environment)' is not a valid environment name")
            }
            switch job.kind {
            case .deploy: try deploy(job, previous: previous, report: &report, redactor: &redactor, run: run)
            case .teardown: try teardown(job, previous: previous, report: &report, redactor: &redactor, run: run)
            }
            report.outcome = .succeeded
            report.finishedAt = Date()
            return Outcome(status: .succeeded, error: nil, report: report)
        } catch let failure as Failure {
            let message = redactor.redact(failure.message)
            report.outcome = failure.cancelled ? .cancelled : .failed
            report.failedPhase = failure.phase
            report.failure = message
            report.failureLogTail = failure.logTail.map(redactor.redact)
            report.finishedAt = Date()
            recordFailure(job, previous: previous, report: report, cancelled: failure.cancelled ? cancellation.cause ?? .superseded : nil, run: run)
            return Outcome(status: failure.cancelled ? .cancelled : .failed, error: message, report: report)
        } catch {
            let message = redactor.redact("\(error)")
            report.outcome = .failed
            report.failure = message
            report.finishedAt = Date()
            recordFailure(job, previous: previous, report: report, cancelled: nil, run: run)
            return Outcome(status: .failed, error: message, report: report)
        }
    }

    /// Leaves the environment's record true after a failed or stopped run. A run stopped by a
    /// newer job or by the bot's stop restores the record as it was before the run (never left
    /// `building`): a first deploy ends `failed` when superseded, `queued` when it goes back to
    /// the queue. A run that lost its lease writes nothing.
    private func recordFailure(_ job: JobRecord, previous: EnvironmentRecord?, report: DeploymentReport,
                               cancelled: CancellationToken.Cause?, run: Run) {
        if cancelled == .leaseLost { return }
        let now = Date()
        var record: EnvironmentRecord?
        do {
            record = try store.environment(named: job.environment) ?? previous
        } catch {
            // Writing from a guess could replace a live record: leave it; the next reconcile
            // plans again from what the store says.
            logger.error("could not read the environment to record the failure", ["env": job.environment, "error": "\(error)"])
            return
        }
        if let cancelled, var restored = previous ?? record {
            if previous == nil || restored.status.isInProgress {
                // Nothing ran before this run (or an interrupted run left that status).
                restored.status = cancelled == .stopping ? .queued : .failed
            }
            restored.lastError = cancelled == .stopping ? previous?.lastError : report.failure
            restored.updatedAt = now
            save(restored, run)
            return
        } else if record == nil {
            guard job.kind == .deploy, cancelled != .stopping else { return }
            record = EnvironmentRecord(name: job.environment, kind: report.environmentKind, pullRequest: job.pullRequest,
                                       sha: report.sha, contentID: report.contentID, specFile: report.specFile,
                                       status: .failed, createdAt: now, updatedAt: now)
        }
        guard var record else { return }
        record.status = .failed
        record.lastError = report.failure
        record.updatedAt = now
        save(record, run)
    }

    /// A job whose runs kept being interrupted: its environment (if a deploy of it was left in
    /// progress) fails with `reason`, and the report says so.
    func giveUp(_ job: JobRecord, lease: JobLease, reason: String) -> DeploymentReport {
        let now = Date()
        var report = DeploymentReport(
            environment: job.environment, environmentKind: job.environmentKind ?? .preview, jobKind: job.kind.rawValue,
            pullRequest: job.pullRequest, sha: job.sha ?? "", contentID: job.contentID ?? "", specFile: job.specFile ?? "",
            trigger: job.trigger, startedAt: now
        )
        report.outcome = .failed
        report.failure = reason
        report.finishedAt = now
        let run = Run(lease: lease, cancellation: CancellationToken())
        let current = try? store.environment(named: job.environment)
        if var record = current ?? nil {
            if record.status.isInProgress || (job.kind == .deploy && record.sha != job.sha) || job.kind == .teardown {
                record.status = .failed
            }
            record.lastError = reason
            record.updatedAt = now
            save(record, run)
        } else if job.kind == .deploy {
            save(EnvironmentRecord(name: job.environment, kind: report.environmentKind, pullRequest: job.pullRequest, sha: report.sha,
                                   contentID: report.contentID, specFile: report.specFile, specSHA: job.specSHA, status: .failed,
                                   lastError: reason, createdAt: now, updatedAt: now), run)
        }
        return report
    }

    /// Saves an environment record written by a job's run: fenced by the run's lease. A run
    /// that no longer holds its job is stopped.
    private func save(_ record: EnvironmentRecord, _ run: Run) {
        guard let lease = run.lease else { return save(record) }
        do {
            if try !store.saveEnvironment(record, holding: lease) {
                run.cancellation.cancel(.leaseLost, "this run no longer holds the job (\(lease))")
                logger.warning("environment not saved: the run no longer holds its job", ["env": record.name, "job": lease.description])
            }
        } catch {
            logger.error("could not save the environment", ["env": record.name, "error": "\(error)"])
        }
    }

    private func save(_ record: EnvironmentRecord) {
        do {
            try store.saveEnvironment(record)
        } catch {
            logger.error("could not save the environment", ["env": record.name, "error": "\(error)"])
        }
    }

    // MARK: Deploy

    private func deploy(_ job: JobRecord, previous: EnvironmentRecord?, report: inout DeploymentReport, redactor: inout Redactor,
                        run: Run) throws {
        let cancellation = run.cancellation
        guard let sha = job.sha, let specFile = job.specFile else {
            throw Failure(phase: .checkout, message: "the job names no commit or spec file")
        }
        let resolved = try readSpec(policy: job.specSHA ?? sha, code: sha, specFile: specFile, phase: .checkout)
        let spec = resolved.spec
        report.environmentKind = spec.kind
        if report.contentID.isEmpty { report.contentID = resolved.contentID }
        report.neutralization = ChildEnvironment.neutralizationSummary(spec, mailCatchall: configuration.mailCatchall)
        let space = workspace(job.environment)
        try prepare(space)
        space.killOrphans(grace: configuration.killGrace)

        var environment: ChildEnvironment
        do {
            environment = try ChildEnvironment.make(spec: spec, environment: job.environment, sha: sha, pullRequest: job.pullRequest,
                                                    home: space.home, grants: configuration.grants,
                                                    secretSource: configuration.secretSource, mailCatchall: configuration.mailCatchall)
        } catch {
            throw Failure(phase: .neutralization, message: error.message)
        }
        for value in environment.secretValues { redactor.add(value) }
        // The environment's own database exists (and holds its copy of the data) before the
        // build, so migrations in build steps run against it.
        if let database = spec.database {
            let prepared = try prepareDatabase(job.environment, kind: spec.kind, database: database,
                                               staging: resolved.stagingEnvironment, report: &report)
            environment.add(prepared)
            for value in prepared.secretValues { redactor.add(value) }
        }

        let now = Date()
        var record = previous ?? EnvironmentRecord(name: job.environment, kind: spec.kind, pullRequest: job.pullRequest, sha: sha,
                                                   contentID: report.contentID, specFile: specFile, status: .building,
                                                   createdAt: now, updatedAt: now)
        record.kind = spec.kind
        record.pullRequest = job.pullRequest
        record.sha = sha
        record.contentID = report.contentID
        record.specFile = specFile
        record.specSHA = job.specSHA ?? sha
        if record.status == .tornDown { record.createdAt = now }
        record.status = .building
        record.lastError = nil
        record.updatedAt = now
        save(record, run)

        // Check out into the slot the live version does not use, once an old version that ran
        // from it has finished stopping.
        waitForRetirement(job.environment)
        let slot = space.buildSlot()
        let checkout = space.path(slot)
        do {
            try repository.withRepository { repo in
                guard let commit = ObjectID(hex: sha) else { throw RunnerError("not a commit id: \(sha)") }
                try repo.checkout(commit: commit, into: checkout)
            }
        } catch {
            throw Failure(phase: .checkout, message: "cannot check out \(sha.prefix(12)): \(error)")
        }
        let sandbox: Sandbox?
        do {
            sandbox = try isolation.sandbox(environment: job.environment, kind: spec.kind, limits: spec.limits,
                                            writable: [checkout, space.home], giving: [checkout, space.home])
        } catch {
            throw Failure(phase: .build, message: error.message)
        }

        for (index, step) in spec.build.enumerated() {
            let name = step.name.map { "build: \($0)" } ?? "build \(index + 1)"
            let log = "logs/\(job.id)-build-\(index + 1).log"
            let outcome = try runStep(name: name, command: step.run, environment: environment.variables, directory: checkout,
                                      log: log, space: space, secrets: environment.secretValues, timeout: step.timeout,
                                      cancellation: cancellation, report: &report, phase: .build, sandbox: sandbox,
                                      unenforced: isolation.unenforced(spec.limits))
            _ = outcome
        }
        // The build ran as another uid: nothing it left is followed, waited on or read whole.
        let hasher = CheckoutFileHasher(root: checkout, limit: configuration.hashLimit)
        report.lockFiles = hasher.files(named: Self.lockFileNames, skipping: ["node_modules", ".git"])
        for artifact in spec.artifacts {
            let result = hasher.hash(relative: artifact)
            switch result {
            case .missing:
                throw Failure(phase: .build, message: "the declared artifact \(artifact) was not produced by the build")
            case .symbolicLink, .notRegular:
                throw Failure(phase: .build, message: "the declared artifact \(artifact) is \(result == .symbolicLink ? "a symbolic link" : "not a regular file"); artifacts must be regular files")
            case .digest, .tooLarge, .unreadable:
                report.artifacts[artifact] = result.recorded(limit: configuration.hashLimit)
            }
        }
        if let reason = cancellation.reason { throw Failure(phase: .build, message: "cancelled: \(reason)", cancelled: true) }
        // What the build did to the data is checked before anything serves it.
        if spec.database != nil { try neutralizeDatabase(job.environment, spec: spec, report: &report) }

        record.status = .deploying
        record.updatedAt = Date()
        save(record, run)
        if let reason = cancellation.reason { throw Failure(phase: .deploy, message: "cancelled: \(reason)", cancelled: true) }

        switch spec.deploy.driver {
        case .process:
            try deployProcess(job, spec: spec, sha: sha, slot: slot, checkout: checkout, environment: environment, space: space,
                              sandbox: sandbox, record: &record, report: &report, run: run)
        case .command:
            try deployCommand(job, spec: spec, sha: sha, checkout: checkout, environment: environment, space: space,
                              sandbox: sandbox, record: &record, report: &report, run: run)
        case .kubernetes:
            throw Failure(phase: .deploy, message: "deploy.driver kubernetes is not supported by this runner")
        }
    }

    private func deployProcess(_ job: JobRecord, spec: EnvironmentSpec, sha: String, slot: String, checkout: String,
                               environment: ChildEnvironment, space: EnvironmentWorkspace, sandbox: Sandbox?,
                               record: inout EnvironmentRecord, report: inout DeploymentReport, run jobRun: Run) throws {
        let cancellation = jobRun.cancellation
        guard let run = spec.deploy.run else { throw Failure(phase: .deploy, message: "deploy.run is missing") }
        let port: Int
        let fifo: String
        do {
            port = try ports.allocate()
            fifo = try space.makeFIFO(slot: slot)
        } catch {
            throw Failure(phase: .deploy, message: error.message)
        }
        var variables = environment.variables
        variables["PORT"] = "\(port)"
        // This deploy's output starts a new app.log: the evidence of the deploy holds only it.
        space.rotateAppLog()
        let launch = AppSupervisor.Launch(
            command: ChildCommand(shell: run, environment: variables, directory: checkout, sandbox: sandbox), port: port, slot: slot, fifo: fifo,
            logPath: space.appLog, secrets: environment.secretValues, label: "\(job.environment)@\(sha.prefix(7))"
        )
        let candidate = AppSupervisor(launch: launch, policy: policy, restartsEnabled: false) { [weak self] app, event in
            self?.appEvent(job.environment, app: app, event: event)
        }
        let startedAt = Date()
        let started: (pid: pid_t, start: UInt64)
        do {
            started = try candidate.start()
        } catch {
            ports.release(port)
            throw Failure(phase: .deploy, message: "cannot start deploy.run: \(error.message)")
        }
        space.addOrphan(pid: started.pid)
        report.steps.append(.init(name: "deploy", command: run, exitCode: nil, startedAt: startedAt, durationSeconds: 0, log: "app.log"))

        let path = spec.health?.path ?? "/"
        let timeout = (spec.health?.timeout ?? configuration.defaultHealthTimeout).seconds
        let outcome = health.wait(url: "http://127.0.0.1:\(port)\(path)", timeout: timeout, anyStatus: spec.health == nil) {
            if let reason = cancellation.reason { return "cancelled: \(reason)" }
            if let exited = candidate.exited { return "\(exited) before it answered the health check" }
            return nil
        }
        report.health = outcome.attempts
        report.steps[report.steps.count - 1].durationSeconds = Date().timeIntervalSince(startedAt)
        guard outcome.healthy else {
            let tail = RedactingLogWriter.tail(of: space.appLog, lines: configuration.failureTailLines)
            candidate.stop()
            ports.release(port)
            space.clearOrphans()
            throw Failure(phase: .health, message: outcome.failure ?? "unhealthy", logTail: tail, cancelled: cancellation.isCancelled)
        }

        // Healthy: the new version takes over, then the old one stops.
        candidate.enableRestarts()
        let old = setApp(job.environment, candidate)
        let oldLive = space.readLive()
        space.writeLive(.init(sha: sha, contentID: report.contentID, specFile: spec.file, slot: slot, port: port,
                              pid: started.pid, processStart: started.start))
        record.status = .healthy
        record.port = port
        record.pid = started.pid
        record.processStart = started.start
        record.url = "http://127.0.0.1:\(port)"
        record.lastError = nil
        record.updatedAt = Date()
        save(record, jobRun)
        space.clearOrphans()
        report.url = record.url
        // The old version stops in the background: the job (and the PR comment) need not wait
        // for it to exit.
        // The next build of this environment checks out into the old version's slot: it waits
        // until the old version is gone (`waitForRetirement`).
        let ports = self.ports
        let grace = configuration.killGrace
        let name = job.environment
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

    private func deployCommand(_ job: JobRecord, spec: EnvironmentSpec, sha: String, checkout: String,
                               environment: ChildEnvironment, space: EnvironmentWorkspace, sandbox: Sandbox?,
                               record: inout EnvironmentRecord, report: inout DeploymentReport, run jobRun: Run) throws {
        let cancellation = jobRun.cancellation
        guard let run = spec.deploy.run else { throw Failure(phase: .deploy, message: "deploy.run is missing") }
        _ = try runStep(name: "deploy", command: run, environment: environment.variables, directory: checkout,
                        log: "logs/\(job.id)-deploy.log", space: space, secrets: environment.secretValues,
                        timeout: configuration.commandTimeout, cancellation: cancellation, report: &report, phase: .deploy,
                        sandbox: sandbox)
        var url: String?
        if let template = spec.deploy.url {
            do {
                url = try Template(template, name: "deploy.url").render(Self.context(job.environment, sha: sha, pullRequest: job.pullRequest), strict: true)
            } catch {
                throw Failure(phase: .deploy, message: "deploy.url: \(error.description)")
            }
        }
        if let url, let check = spec.health {
            let base = url.hasSuffix("/") ? String(url.dropLast()) : url
            let outcome = health.wait(url: base + check.path, timeout: check.timeout.seconds, anyStatus: false) {
                cancellation.reason.map { "cancelled: \($0)" }
            }
            report.health = outcome.attempts
            guard outcome.healthy else {
                throw Failure(phase: .health, message: outcome.failure ?? "unhealthy", cancelled: cancellation.isCancelled)
            }
        }
        // A process app from an earlier spec of this environment is replaced.
        if let old = setApp(job.environment, nil) {
            old.stop()
            ports.release(old.launch.port)
        }
        space.writeLive(nil)
        record.status = .healthy
        record.url = url
        record.port = nil
        record.pid = nil
        record.processStart = nil
        record.lastError = nil
        record.updatedAt = Date()
        save(record, jobRun)
        report.url = url
    }

    // MARK: Teardown

    private func teardown(_ job: JobRecord, previous: EnvironmentRecord?, report: inout DeploymentReport, redactor: inout Redactor,
                          run: Run) throws {
        let cancellation = run.cancellation
        let space = workspace(job.environment)
        guard var record = previous else {
            // Never deployed here: only leftovers to remove.
            space.killOrphans(grace: configuration.killGrace)
            space.remove()
            isolation.release(job.environment)
            try dropDatabase(job.environment, report: &report)
            return
        }
        report.sha = record.sha
        report.contentID = record.contentID
        report.specFile = record.specFile
        report.environmentKind = record.kind
        let spec = try? readSpec(policy: record.specSHA ?? record.sha, code: record.sha, specFile: record.specFile, phase: .teardown).spec

        if spec?.deploy.driver == .command, let spec, let command = spec.deploy.teardown {
            try prepare(space)
            let environment: ChildEnvironment
            do {
                environment = try ChildEnvironment.make(spec: spec, environment: job.environment, sha: record.sha,
                                                        pullRequest: record.pullRequest, home: space.home,
                                                        grants: configuration.grants, secretSource: configuration.secretSource,
                                                        mailCatchall: configuration.mailCatchall)
            } catch {
                throw Failure(phase: .neutralization, message: error.message)
            }
            for value in environment.secretValues { redactor.add(value) }
            report.neutralization = ChildEnvironment.neutralizationSummary(spec, mailCatchall: configuration.mailCatchall)
            // The teardown runs in a checkout of the deployed commit.
            let checkout = space.path(EnvironmentWorkspace.slots[0])
            do {
                try repository.withRepository { repo in
                    guard let commit = ObjectID(hex: record.sha) else { throw RunnerError("not a commit id: \(record.sha)") }
                    try repo.checkout(commit: commit, into: checkout)
                }
            } catch {
                throw Failure(phase: .teardown, message: "cannot check out \(record.sha.prefix(12)): \(error)")
            }
            let sandbox: Sandbox?
            do {
                sandbox = try isolation.sandbox(environment: job.environment, kind: spec.kind, limits: spec.limits,
                                                writable: [checkout, space.home], giving: [checkout, space.home])
            } catch {
                throw Failure(phase: .teardown, message: error.message)
            }
            _ = try runStep(name: "teardown", command: command, environment: environment.variables, directory: checkout,
                            log: "logs/\(job.id)-teardown.log", space: space, secrets: environment.secretValues,
                            timeout: configuration.commandTimeout, cancellation: cancellation, report: &report, phase: .teardown,
                            sandbox: sandbox)
        }

        waitForRetirement(job.environment)
        stopApp(job.environment, record: record)
        space.killOrphans(grace: configuration.killGrace)
        space.remove()
        // Its processes (every one in a PID namespace that died with its init) and files are gone.
        isolation.release(job.environment)
        // Then its data: a database server that cannot be reached fails the teardown (retried),
        // it never leaves a database behind silently.
        try dropDatabase(job.environment, report: &report)
        record.status = .tornDown
        record.pid = nil
        record.processStart = nil
        record.port = nil
        record.url = nil
        record.lastError = nil
        record.updatedAt = Date()
        save(record, run)
    }

    /// Stops the app of `name`, supervised or (after a failed adoption) known only by its record.
    func stopApp(_ name: String, record: EnvironmentRecord?) {
        if let app = setApp(name, nil) {
            app.stop()
            ports.release(app.launch.port)
        }
        let live = workspace(name).readLive()
        for (pid, start) in [(record?.pid, record?.processStart), (live?.pid, live?.processStart)] {
            if let pid, let start, ProcStat.matches(pid: pid, startTime: start) {
                ProcessGroup(id: pid).terminate(grace: configuration.killGrace)
            }
        }
        if let port = record?.port { ports.release(port) }
        workspace(name).writeLive(nil)
    }

    // MARK: Supervision events

    private func appEvent(_ name: String, app: AppSupervisor, event: AppSupervisor.Event) {
        guard self.app(name) === app else { return }
        guard var record = try? store.environment(named: name) else { return }
        let space = workspace(name)
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
        save(record)
    }

    // MARK: Adoption after a restart of the bot

    /// Finds the apps the store says run: adopts those still alive (same pid and start time),
    /// starts the others again from their checkout. Kills leftovers of interrupted jobs.
    func adoptEnvironments() {
        let records: [EnvironmentRecord]
        do {
            records = try store.environments()
        } catch {
            logger.error("could not list environments to adopt", ["error": "\(error)"])
            return
        }
        for record in records where record.status != .tornDown && EnvironmentName.isValid(record.name) && app(record.name) == nil {
            let space = workspace(record.name)
            let killed = space.killOrphans(grace: configuration.killGrace)
            if killed > 0 { logger.warning("stopped processes left by an interrupted job", ["env": record.name, "count": "\(killed)"]) }
            guard let live = space.readLive(), let pid = record.pid, let start = record.processStart, live.pid == pid else { continue }
            let specCommit = record.sha == live.sha ? (record.specSHA ?? live.sha) : live.sha
            let resolved = try? readSpec(policy: specCommit, code: live.sha, specFile: live.specFile, phase: .deploy)
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
               adoptDatabase(record.name, spec: spec, staging: resolved?.stagingEnvironment, into: &environment),
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
                    save(failed)
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
                    save(updated)
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
    func detachAll() {
        lock.lock()
        let all = apps
        apps.removeAll()
        lock.unlock()
        for app in all.values { app.detach() }
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
            workspace(name).writeLive(nil)
        }
    }

    // MARK: Helpers

    /// A spec as the runner reads it at a commit.
    struct SpecAtCommit {
        var spec: EnvironmentSpec
        var contentID: String
        /// The staging environment with a database in the same specs (for `from: staging`).
        var stagingEnvironment: String?
    }

    private func prepare(_ space: EnvironmentWorkspace) throws {
        do {
            try space.prepare()
        } catch {
            throw Failure(phase: .checkout, message: error.message)
        }
    }

    /// The spec `specFile` as read at `policy` (a preview's base tip, never the PR's head), with
    /// the content id of deploying `code` under it.
    private func readSpec(policy: String, code: String, specFile: String, phase: DeploymentReport.Phase) throws -> SpecAtCommit {
        let short = String(policy.prefix(7))
        do {
            return try repository.withRepository { repo -> SpecAtCommit in
                guard let policyCommit = ObjectID(hex: policy), let codeCommit = ObjectID(hex: code) else {
                    throw RunnerError("not a commit id: \(policy) / \(code)")
                }
                if (try? repo.commit(policyCommit)) == nil || (try? repo.commit(codeCommit)) == nil { try repository.fetch() }
                switch try reader.specs(repo, policyAt: policy, codeAt: code) {
                case .invalid(let problems):
                    throw RunnerError("the specs at \(short) are invalid: \(problems.first ?? "")")
                case .specs(let specs):
                    guard let match = specs.first(where: { $0.spec.file == specFile }) else {
                        throw RunnerError("\(specFile) does not exist at \(short)")
                    }
                    // `database.from: staging` copies the database of the staging environment
                    // these same (trusted) specs declare.
                    let staging = specs.first(where: { $0.spec.kind == .staging && $0.spec.database != nil })?.spec.name
                    return SpecAtCommit(spec: match.spec, contentID: match.contentID, stagingEnvironment: staging)
                }
            }
        } catch let error as RunnerError {
            throw Failure(phase: phase, message: error.message)
        } catch {
            throw Failure(phase: phase, message: "cannot read \(specFile) at \(short): \(error)")
        }
    }

    /// Runs one step, records it, and throws a failure (with the log's tail) unless it exited 0.
    private func runStep(name: String, command: String, environment: [String: String], directory: String, log: String,
                         space: EnvironmentWorkspace, secrets: [String], timeout: Duration, cancellation: CancellationToken,
                         report: inout DeploymentReport, phase: DeploymentReport.Phase, sandbox: Sandbox?,
                         unenforced: [String] = []) throws -> StepRunner.Result {
        if let reason = cancellation.reason { throw Failure(phase: phase, message: "cancelled: \(reason)", cancelled: true) }
        let logPath = space.path(log)
        if let writer = try? RedactingLogWriter(path: logPath, secrets: secrets) {
            if let sandbox {
                writer.write("[slipway] sandbox: uid \(sandbox.identity.uid), processes \(sandbox.limits.processes), open files \(sandbox.limits.openFiles), file size \(sandbox.limits.fileSize) bytes\n")
                if !unenforced.isEmpty {
                    writer.write("[slipway] limits.\(unenforced.joined(separator: " and limits.")) not enforced: this runner has no cgroup support yet\n")
                }
            }
            writer.write("$ \(command)\n")
        }
        let result: StepRunner.Result
        do {
            result = try StepRunner(grace: configuration.killGrace, outputLimit: configuration.stepOutputLimit).run(
                ChildCommand(shell: command, environment: environment, directory: directory, sandbox: sandbox), logPath: logPath, secrets: secrets,
                timeout: timeout.seconds, cancellation: cancellation, started: { space.addOrphan(pid: $0) }
            )
        } catch {
            throw Failure(phase: phase, message: "\(name): cannot start: \(error.message)")
        }
        space.clearOrphans()
        report.steps.append(.init(name: name, command: command, exitCode: result.exitCode, killedBecause: result.killedBecause,
                                  startedAt: result.startedAt, durationSeconds: result.duration, log: log))
        let tail = { RedactingLogWriter.tail(of: logPath, lines: self.configuration.failureTailLines) }
        switch result.killedBecause {
        case "cancelled":
            throw Failure(phase: phase, message: "\(name) cancelled: \(cancellation.reason ?? "")", logTail: tail(), cancelled: true)
        case "timeout":
            throw Failure(phase: phase, message: "\(name) (`\(command)`) timed out after \(timeout)", logTail: tail())
        default:
            guard result.exitCode == 0 else {
                throw Failure(phase: phase, message: "\(name) (`\(command)`) exited with code \(result.exitCode.map(String.init) ?? "?")",
                              logTail: tail())
            }
        }
        return result
    }

    static func context(_ name: String, sha: String, pullRequest: Int?) -> TemplateValue {
        var fields: [String: TemplateValue] = ["env": .object(["name": .string(name)]), "sha": .string(sha)]
        if let pullRequest { fields["pr"] = .object(["number": .number(Double(pullRequest))]) }
        return .object(fields)
    }
}
