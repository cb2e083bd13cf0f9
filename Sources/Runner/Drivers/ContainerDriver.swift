import Docker
import Foundation
import SlipwayCore
import Store

/// `deploy.driver: container`: the app as a container on the Docker Engine API
/// (`RunnerConfiguration.docker`), or as a Swarm service with `mode: swarm`.
///
/// The image is built from the checkout (`deploy.build.dockerfile`, `.git` left out of the
/// context; its output streams into the step log through the same redaction), or named
/// (`deploy.image`, pulled when the daemon lacks it). A single container gets the environment's
/// variables (granted secrets and database variables included), a read-only root with a tmpfs
/// `/tmp` unless `read_only: false`, the resources, no capability and no new privileges (a
/// preview's runs as nobody), and its port published on 127.0.0.1, where the health check reaches
/// it. Blue/green: the new container is healthy before the route moves (or the record's URL
/// switches); the old one is removed after. A failed health check removes the new container and
/// leaves the old one serving.
///
/// Containers, images and services carry the labels `dev.slipway.environment`, `.sha`,
/// `.instance` (this bot's stable id) and `.job`, which is how a restarted bot finds them again.
final class ContainerDriver: DeployDriver, @unchecked Sendable {
    static let environmentLabel = "dev.slipway.environment"
    static let shaLabel = "dev.slipway.sha"
    static let instanceLabel = "dev.slipway.instance"
    static let jobLabel = "dev.slipway.job"

    unowned let executor: JobExecutor
    private let lock = NSLock()
    private var docker: DockerClient?
    /// The environments this runner runs a container or a service for, and how.
    private var known: [String: EnvironmentSpec.Container.Mode] = [:]

    init(executor: JobExecutor) {
        self.executor = executor
    }

    var configuration: RunnerConfiguration { executor.configuration }
    var logger: Logger { executor.logger }
    var instance: String { configuration.instance }

    typealias Failure = JobExecutor.Failure

    /// The Docker client, or a failure saying how to configure one.
    func client(phase: DeploymentReport.Phase) throws -> DockerClient {
        lock.lock()
        defer { lock.unlock() }
        if let docker { return docker }
        guard let host = configuration.docker else {
            throw Failure(phase: phase, message: "deploy.driver container needs a Docker Engine API, and this bot has none configured: start it with --docker-host (or DOCKER_HOST), e.g. unix:///var/run/docker.sock")
        }
        let client = DockerClient(host: host, timeout: 60)
        docker = client
        return client
    }

    func mode(of environment: String) -> EnvironmentSpec.Container.Mode? {
        lock.lock()
        defer { lock.unlock() }
        return known[environment]
    }

    func setMode(_ mode: EnvironmentSpec.Container.Mode?, of environment: String) {
        lock.lock()
        known[environment] = mode
        lock.unlock()
    }

    func labels(_ environment: String, sha: String? = nil, job: Int64? = nil) -> [String: String] {
        var labels = [Self.environmentLabel: environment, Self.instanceLabel: instance]
        if let sha { labels[Self.shaLabel] = sha }
        if let job { labels[Self.jobLabel] = String(job) }
        return labels
    }

    // MARK: Deploy

    func deploy(_ context: DeployContext, record: inout EnvironmentRecord, report: inout DeploymentReport) throws {
        guard let container = context.spec.deploy.container else {
            throw Failure(phase: .deploy, message: "the container driver needs deploy.build or deploy.image, and deploy.port")
        }
        let docker = try client(phase: .deploy)
        var image = try prepareImage(context, container: container, docker: docker, report: &report)
        image.mode = container.mode.rawValue
        image.replicas = container.mode == .swarm ? container.replicas : 1
        report.image = image
        if let reason = context.cancellation.reason {
            if image.built { removeImage(image.reference, docker: docker) }
            throw Failure(phase: .deploy, message: "cancelled: \(reason)", cancelled: true)
        }
        switch container.mode {
        case .single:
            try deploySingle(context, container: container, image: image, docker: docker, record: &record, report: &report)
        case .swarm:
            try deploySwarm(context, container: container, image: image, docker: docker, record: &record, report: &report)
        }
    }

    /// Builds the image from the checkout, or finds (pulls) the named one.
    private func prepareImage(_ context: DeployContext, container: EnvironmentSpec.Container, docker: DockerClient,
                              report: inout DeploymentReport) throws -> ContainerImageUse {
        switch container.source {
        case .image(let reference):
            let startedAt = Date()
            let details: ImageDetails
            do {
                do {
                    details = try docker.inspectImage(reference)
                } catch let error where error.isNotFound {
                    try docker.pullImage(reference, timeout: configuration.containerBuildTimeout.seconds)
                    details = try docker.inspectImage(reference)
                }
            } catch {
                throw Failure(phase: .build, message: "deploy.image \(reference): \(error)")
            }
            report.steps.append(.init(name: "image", command: "use image \(reference)", exitCode: 0, startedAt: startedAt,
                                      durationSeconds: Date().timeIntervalSince(startedAt)))
            return ContainerImageUse(reference: reference, id: details.id, repoDigests: details.repoDigests, built: false)
        case .dockerfile(let dockerfile):
            return try buildImage(context, dockerfile: dockerfile, docker: docker, report: &report)
        }
    }

    /// `POST /build` with the checkout (less `.git`) as the context; the output goes line by
    /// line into the step's log, redacted as it is written.
    private func buildImage(_ context: DeployContext, dockerfile: String, docker: DockerClient,
                            report: inout DeploymentReport) throws -> ContainerImageUse {
        let contextName = context.name
        let sha = context.sha
        let job = context.job.id
        let log = "logs/\(context.job.id)-image.log"
        let logPath = context.space.path(log)
        let reference = "slipway/\(context.name):\(context.sha.prefix(12))-\(context.job.id)"
        let command = "docker build -f \(dockerfile) -t \(reference) . (Engine API)"
        let writer = try? RedactingLogWriter(path: logPath, secrets: context.environment.secretValues,
                                             limit: configuration.stepOutputLimit)
        writer?.write("$ \(command)\n")
        let startedAt = Date()
        let archive = try buildContext(context.checkout)
        let id: String
        let cancellation = context.cancellation
        switch sendBuild(context: archive, reference: reference, dockerfile: dockerfile, labels: labels(contextName, sha: sha, job: job),
                         docker: docker, writer: writer, cancellation: cancellation) {
        case .success(let built): id = built
        case .failure(let error):
            writer?.write("[slipway] \(error)\n")
            writer?.finish()
            report.steps.append(.init(name: "build: image", command: command, exitCode: 1, startedAt: startedAt,
                                      durationSeconds: Date().timeIntervalSince(startedAt), log: log))
            if error.kind == .cancelled { report.steps[report.steps.count - 1].killedBecause = "cancelled" }
            throw Failure(phase: .build, message: error.kind == .cancelled ? "the image build was cancelled: \(error.message)"
                                                    : "the image build failed: \(error.kind == .buildFailed ? error.message : error.description)",
                          logTail: RedactingLogWriter.tail(of: logPath, lines: configuration.failureTailLines), cancelled: error.kind == .cancelled)
        }
        writer?.write("[slipway] image \(id)\n")
        writer?.finish()
        report.steps.append(.init(name: "build: image", command: command, exitCode: 0, startedAt: startedAt,
                                  durationSeconds: Date().timeIntervalSince(startedAt), log: log))
        let digests = (try? docker.inspectImage(id).repoDigests) ?? []
        return ContainerImageUse(reference: reference, id: id, repoDigests: digests, built: true)
    }

    /// The checkout, less `.git`, as a tar.
    private func buildContext(_ checkout: String) throws -> Data {
        var archive = TarArchive(maxBytes: configuration.containerContextLimit)
        do {
            try archive.addTree(at: checkout, excluding: [".git"])
        } catch {
            throw Failure(phase: .build, message: "the build context (the checkout less .git) cannot be sent: \(error.description)")
        }
        return archive.data
    }

    private func sendBuild(context: Data, reference: String, dockerfile: String, labels: [String: String], docker: DockerClient,
                           writer: RedactingLogWriter?, cancellation: CancellationToken) -> Result<String, DockerError> {
        do {
            return .success(try docker.buildImage(context: context, tags: [reference], dockerfile: dockerfile, labels: labels,
                                                  timeout: configuration.containerBuildTimeout.seconds,
                                                  onOutput: { line in writer?.write(line + "\n") },
                                                  cancelled: { cancellation.reason }))
        } catch {
            return .failure(error)
        }
    }

    /// The locked-down container of a version.
    func containerSpec(_ context: DeployContext, container: EnvironmentSpec.Container, image: ContainerImageUse) -> ContainerSpec {
        var variables = context.environment.variables
        variables["PORT"] = String(container.port)
        // A preview is code under review: it runs as nobody. Staging and production run as their image's USER.
        return ContainerSpec(
            image: image.id, environment: variables, labels: labels(context.name, sha: context.sha, job: context.job.id),
            port: .init(containerPort: container.port), memoryBytes: container.memory ?? context.spec.limits.memory,
            cpus: container.cpus ?? context.spec.limits.cpu, pidsLimit: container.pids ?? context.spec.limits.processes,
            readOnlyRootFilesystem: container.readOnly, user: context.spec.kind == .preview ? "65534:65534" : nil,
            stopTimeout: Int(configuration.killGrace.rounded(.up)), restartOnFailure: configuration.restartLimit
        )
    }

    private func deploySingle(_ context: DeployContext, container: EnvironmentSpec.Container, image: ContainerImageUse,
                              docker: DockerClient, record: inout EnvironmentRecord, report: inout DeploymentReport) throws {
        let cancellation = context.cancellation
        let name = "slipway-\(context.name)-\(context.job.id)"
        let startedAt = Date()
        report.steps.append(.init(name: "deploy", command: "container \(name) from \(image.reference)", exitCode: nil,
                                  startedAt: startedAt, durationSeconds: 0))
        let (created, hostPort) = try startContainer(context, container: container, image: image, name: name, docker: docker)
        setMode(.single, of: context.name)
        let discard = { [self] in
            try? docker.removeContainer(created, force: true)
            if image.built { removeImage(image.reference, docker: docker) }
        }

        let path = context.spec.health?.path ?? "/"
        let timeout = (context.spec.health?.timeout ?? configuration.defaultHealthTimeout).seconds
        let watch = ExitWatch(docker: docker, container: created)
        let outcome = executor.health.wait(url: "http://127.0.0.1:\(hostPort)\(path)", timeout: timeout, anyStatus: context.spec.health == nil) {
            if let reason = cancellation.reason { return "cancelled: \(reason)" }
            return watch.exited()
        }
        report.health = outcome.attempts
        report.steps[report.steps.count - 1].durationSeconds = Date().timeIntervalSince(startedAt)
        guard outcome.healthy else {
            let tail = logTail(of: created, docker: docker, secrets: context.environment.secretValues)
            discard()
            throw Failure(phase: .health, message: outcome.failure ?? "unhealthy", logTail: tail, cancelled: cancellation.isCancelled)
        }

        // Healthy: the route moves while the old container still serves.
        let url: String
        do {
            url = try executor.publish(context, upstreams: ["127.0.0.1:\(hostPort)"], loopback: "http://127.0.0.1:\(hostPort)")
        } catch {
            discard()
            throw error
        }
        record.status = .healthy
        record.port = hostPort
        record.pid = nil
        record.processStart = nil
        record.url = url
        record.lastError = nil
        record.updatedAt = Date()
        executor.save(record, context.run)
        report.url = url
        report.steps[report.steps.count - 1].exitCode = 0

        // Then the old one goes (after in-flight requests through the router had time to end).
        if configuration.router != nil { Thread.sleep(forTimeInterval: configuration.routeDrain) }
        retire(context.name, keeping: created, image: image.id, docker: docker)
    }

    /// Whether a candidate container stopped (it will not answer), asked of the daemon at most
    /// twice a second while the health check waits.
    final class ExitWatch: @unchecked Sendable {
        let docker: DockerClient
        let container: String
        private var lastLook = Date.distantPast

        init(docker: DockerClient, container: String) {
            self.docker = docker
            self.container = container
        }

        func exited() -> String? {
            guard Date().timeIntervalSince(lastLook) >= 0.5 else { return nil }
            lastLook = Date()
            guard let state = try? docker.inspectContainer(container).state else { return nil }
            guard !state.running || state.status == "restarting" else { return nil }
            return "the container exited with code \(state.exitCode)\(state.oomKilled ? " (out of memory)" : "") before it answered the health check"
        }
    }

    /// Creates and starts the version's container; returns its id and published host port. A
    /// container that cannot be started is removed, with the image built for it.
    private func startContainer(_ context: DeployContext, container: EnvironmentSpec.Container, image: ContainerImageUse, name: String,
                                docker: DockerClient) throws -> (id: String, hostPort: Int) {
        let id: String
        do {
            id = try docker.createContainer(containerSpec(context, container: container, image: image), name: name)
        } catch {
            if image.built { removeImage(image.reference, docker: docker) }
            throw Failure(phase: .deploy, message: "cannot create the container: \(error)")
        }
        do {
            try docker.startContainer(id)
            if let port = try docker.inspectContainer(id).publishedPort(container.port) { return (id, port) }
            throw RunnerError("its port \(container.port) was not published")
        } catch {
            try? docker.removeContainer(id, force: true)
            if image.built { removeImage(image.reference, docker: docker) }
            throw Failure(phase: .deploy, message: "cannot start the container: \(error)")
        }
    }

    /// Removes the environment's containers other than `keeping`, then its built images other
    /// than `image`.
    func retire(_ environment: String, keeping: String?, image: String?, docker: DockerClient) {
        let grace = Int(configuration.killGrace.rounded(.up))
        let containers = (try? docker.listContainers(labels: labels(environment))) ?? []
        for old in containers where old.id != keeping {
            if old.state == "running" { try? docker.stopContainer(old.id, timeout: grace) }
            do {
                try docker.removeContainer(old.id, force: true)
            } catch {
                if !error.isNotFound {
                    logger.warning("could not remove an old container", ["env": environment, "container": String(old.id.prefix(12)), "error": "\(error)"])
                }
            }
        }
        for old in (try? docker.listImages(labels: labels(environment))) ?? [] where old.id != image {
            removeImage(old.id, docker: docker)
        }
    }

    /// Removes an image Slipway built (a conflict, an image still used, is left for later).
    func removeImage(_ reference: String, docker: DockerClient) {
        do {
            try docker.removeImage(reference, force: false)
        } catch {
            if !error.isNotFound && !error.isConflict {
                logger.warning("could not remove an image", ["image": reference, "error": "\(error)"])
            }
        }
    }

    /// The last lines of a container's output, redacted.
    func logTail(of container: String, docker: DockerClient, secrets: [String]) -> [String] {
        guard let logs = try? docker.containerLogs(container, tail: configuration.failureTailLines, maxBytes: 256 * 1024) else { return [] }
        let redactor = Redactor(secrets: secrets, redactTokenShapes: true)
        let lines = (logs.stdoutText + logs.stderrText).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        return lines.suffix(configuration.failureTailLines).map(redactor.redact)
    }

    // MARK: Teardown

    func teardown(_ context: TeardownContext, report: inout DeploymentReport, redactor: inout Redactor) throws {
        guard context.spec?.deploy.driver == .container || mode(of: context.name) != nil else { return }
        let docker = try client(phase: .teardown)
        do {
            try remove(context.name, docker: docker)
        } catch {
            throw Failure(phase: .teardown, message: "cannot remove the environment's containers: \(error)")
        }
        setMode(nil, of: context.name)
    }

    /// Removes the environment's service, containers and built images.
    func remove(_ environment: String, docker: DockerClient) throws {
        let mine = labels(environment)
        for service in (try? docker.listServices(labels: mine)) ?? [] {
            try ignoringMissing { () throws(DockerError) in try docker.removeService(service.id) }
        }
        for container in try docker.listContainers(labels: mine) {
            try ignoringMissing { () throws(DockerError) in try docker.removeContainer(container.id, force: true) }
        }
        for image in try docker.listImages(labels: mine) {
            try ignoringMissing { () throws(DockerError) in _ = try docker.removeImage(image.id, force: true) }
        }
    }

    /// Runs `body`; a 404 (already gone) is not an error.
    private func ignoringMissing(_ body: () throws(DockerError) -> Void) throws(DockerError) {
        do {
            try body()
        } catch {
            if !error.isNotFound { throw error }
        }
    }

    func replaced(_ environment: String) {
        guard mode(of: environment) != nil, let docker = try? client(phase: .deploy) else { return }
        do {
            try remove(environment, docker: docker)
            setMode(nil, of: environment)
        } catch {
            logger.warning("could not remove the containers of a version another driver replaced", ["env": environment, "error": "\(error)"])
        }
    }

    func upstreams(_ record: EnvironmentRecord) -> [String]? {
        switch mode(of: record.name) {
        case .single?:
            return record.port.map { ["127.0.0.1:\($0)"] }
        case .swarm?:
            guard let docker = try? client(phase: .deploy) else { return nil }
            return try? serviceUpstreams(record.name, job: nil, docker: docker)
        case nil:
            return nil
        }
    }

    func detach() {}

    /// Stops (does not remove) the single containers this runner runs; the next start starts
    /// them again. Swarm services are the Swarm's to keep.
    func stopAll() {
        lock.lock()
        let singles = known.filter { $0.value == .single }.map(\.key)
        lock.unlock()
        guard !singles.isEmpty, let docker = try? client(phase: .deploy) else { return }
        for environment in singles {
            for container in (try? docker.listContainers(labels: labels(environment), all: false)) ?? [] {
                try? docker.stopContainer(container.id, timeout: Int(configuration.killGrace.rounded(.up)))
            }
        }
    }
}
