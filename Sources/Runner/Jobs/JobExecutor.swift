import Foundation
import Git
import Reconcile
import SlipwayCore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Runs one job end to end, keeps the environment's record current and fills the report. The
/// build phase is shared (read the spec at the SHA, check out, build steps, artifacts, the
/// environment's database); the deploy, its health check and the retirement of the old version
/// belong to the spec's `DeployDriver` (process, command, container); a teardown asks every
/// driver to remove what it runs, then removes the route, the work dir and the database.
final class JobExecutor: @unchecked Sendable {
    let store: any Store
    let repository: ManagedRepository
    let configuration: RunnerConfiguration
    let logger: Logger
    private let reader = DesiredStateReader()
    let health = HealthChecker()
    let isolation: EnvironmentIsolation
    /// The drivers (set once in `init`).
    private(set) var process: ProcessDriver!
    private(set) var command: CommandDriver!
    private(set) var container: ContainerDriver!

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
        process = ProcessDriver(executor: self)
        command = CommandDriver(executor: self)
        container = ContainerDriver(executor: self)
    }

    /// Every driver, in the order a teardown asks them.
    var drivers: [any DeployDriver] { [command, process, container] }

    func driver(_ kind: EnvironmentSpec.Driver) -> (any DeployDriver)? {
        switch kind {
        case .process: process
        case .command: command
        case .container: container
        case .kubernetes: nil
        }
    }

    func workspace(_ name: String) -> EnvironmentWorkspace {
        EnvironmentWorkspace(workDir: configuration.workDir, environment: name)
    }

    /// The app serving `name`, if this runner supervises one.
    func app(_ name: String) -> AppSupervisor? {
        process.app(name)
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
    func save(_ record: EnvironmentRecord, _ run: Run) {
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

    func save(_ record: EnvironmentRecord) {
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
        process.waitForRetirement(job.environment)
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

        guard let driver = driver(spec.deploy.driver) else {
            throw Failure(phase: .deploy, message: "deploy.driver \(spec.deploy.driver.rawValue) is not supported by this runner")
        }
        let context = DeployContext(job: job, spec: spec, sha: sha, slot: slot, checkout: checkout, environment: environment, space: space,
                                    sandbox: sandbox, run: run)
        try driver.deploy(context, record: &record, report: &report)
        // A version an earlier spec of this environment ran with another driver is replaced.
        for other in drivers where other !== driver { other.replaced(job.environment) }
    }

    /// The new version of `context` is healthy at `upstreams` (`HOST:PORT`): routes the
    /// environment's public host to it, while the old version still serves, and returns the URL
    /// to record (the router's public URL; without a router, `loopback`).
    func publish(_ context: DeployContext, upstreams: [String], loopback: String) throws -> String {
        guard let router = configuration.router else { return loopback }
        let route = EnvironmentRoute(environment: context.name, kind: context.spec.kind, host: context.spec.route?.host, upstreams: upstreams)
        do {
            return try router.route(route)
        } catch {
            throw Failure(phase: .deploy, message: "cannot route \(router.publicURL(environment: context.name, kind: context.spec.kind, host: context.spec.route?.host)) to the new version: \(error); the previous version keeps serving")
        }
    }

    // MARK: Teardown

    private func teardown(_ job: JobRecord, previous: EnvironmentRecord?, report: inout DeploymentReport, redactor: inout Redactor,
                          run: Run) throws {
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
        let context = TeardownContext(job: job, record: record, spec: spec, space: space, run: run)
        for driver in drivers {
            try driver.teardown(context, report: &report, redactor: &redactor)
        }
        if let router = configuration.router {
            do {
                try router.remove(environment: job.environment)
            } catch {
                throw Failure(phase: .teardown, message: "cannot remove the environment's route: \(error)")
            }
        }
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

    // MARK: Adoption after a restart of the bot

    /// Every driver adopts what it left running for the environments the store says exist, and
    /// removes what belongs to none; then the router is made to hold exactly their routes.
    func adoptEnvironments() {
        let records: [EnvironmentRecord]
        do {
            records = try store.environments()
        } catch {
            logger.error("could not list environments to adopt", ["error": "\(error)"])
            return
        }
        let active = records.filter { $0.status != .tornDown && EnvironmentName.isValid($0.name) }
        for driver in drivers { driver.adopt(active) }
        syncRoutes()
    }

    /// Makes the router hold the routes of the healthy environments (a restart of the bot or of
    /// the router converges).
    func syncRoutes() {
        guard let router = configuration.router else { return }
        var routes: [EnvironmentRoute] = []
        for record in (try? store.environments()) ?? [] where record.status != .tornDown && EnvironmentName.isValid(record.name) {
            guard let upstreams = drivers.lazy.compactMap({ $0.upstreams(record) }).first else { continue }
            let host = try? readSpec(policy: record.specSHA ?? record.sha, code: record.sha, specFile: record.specFile, phase: .deploy).spec.route?.host
            routes.append(EnvironmentRoute(environment: record.name, kind: record.kind, host: host ?? nil, upstreams: upstreams))
        }
        do {
            try router.sync(routes)
        } catch {
            logger.error("could not sync the router's routes", ["error": "\(error)", "routes": "\(routes.count)"])
        }
    }

    /// Stops watching what runs and leaves it running (for the next bot to adopt).
    func detachAll() {
        for driver in drivers { driver.detach() }
    }

    /// Waits until every old version replaced by a new one has stopped (bounded).
    func waitForRetiring() {
        process.waitForRetiring()
    }

    /// Stops everything this runner runs.
    func stopAll() {
        for driver in drivers { driver.stopAll() }
    }

    // MARK: Helpers

    /// A spec as the runner reads it at a commit.
    struct SpecAtCommit {
        var spec: EnvironmentSpec
        var contentID: String
        /// The staging environment with a database in the same specs (for `from: staging`).
        var stagingEnvironment: String?
    }

    func prepare(_ space: EnvironmentWorkspace) throws {
        do {
            try space.prepare()
        } catch {
            throw Failure(phase: .checkout, message: error.message)
        }
    }

    /// The spec `specFile` as read at `policy` (a preview's base tip, never the PR's head), with
    /// the content id of deploying `code` under it.
    func readSpec(policy: String, code: String, specFile: String, phase: DeploymentReport.Phase) throws -> SpecAtCommit {
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
    func runStep(name: String, command: String, environment: [String: String], directory: String, log: String,
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
