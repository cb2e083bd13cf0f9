import Docker
import Foundation
@testable import Runner
import SlipwayCore
import Store
import Testing
import TestSupport

/// The app of the container tests: busybox's httpd serving `www/` of the checkout.
enum ContainerApp {
    static func spec(name: String = "pr-{{pr.number}}", extra: String = "", health: String = "{ path: /health.txt, timeout: 30s }") -> String {
        """
        kind: preview
        name: "\(name)"
        match:
          pull_request: { base: main }
        deploy:
          driver: container
          build: { dockerfile: Dockerfile }
          port: 8080
          resources: { memory: 64m, cpus: 0.5, pids: 64 }
        \(extra)
        health: \(health)
        env: { APP_ENV: preview }
        secrets:
          API_TOKEN: api-token
        neutralize: { mail: catch-all, crons: off }
        """
    }

    static let dockerfile = """
    FROM slipway-test/busybox
    COPY www /www
    RUN echo "building the image"
    CMD httpd -f -p 8080 -h /www
    """

    static func files(spec: String = ContainerApp.spec()) -> [String: String] {
        ["environments/preview.yaml": spec, "Dockerfile": dockerfile, "www/index.html": "version 1\n", "www/health.txt": "ok\n"]
    }

    static func labels(_ environment: String) -> [String: String] {
        [ContainerDriver.environmentLabel: environment]
    }
}

extension RunnerHarness {
    func deployPreview(_ sha: String, environment: String = "pr-7") throws -> (job: JobRecord, report: DeploymentReport) {
        let job = try enqueueDeploy(sha, environment: environment, specFile: "environments/preview.yaml")
        let done = try finished(job.id, timeout: 120)
        return (done, try observer.report(job.id))
    }
}

@Suite("Runner: the container driver on a private dockerd", .dockerDaemon, .serialized)
struct ContainerDriverTests {
    @Test("a preview built from a Dockerfile runs locked down with labels and limits, answers on its URL, and its image id is in the report")
    func previewFromDockerfile() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        let harness = try RunnerHarness(files: ContainerApp.files())
        defer { harness.close() }
        harness.startService { $0.docker = daemon.host }
        let sha = try harness.git.head("main")
        let started = Date()
        let (job, report) = try harness.deployPreview(sha)
        let seconds = Date().timeIntervalSince(started)
        #expect(job.status == .succeeded, "\(job.error ?? "") \(report.failureLogTail)")
        print("container preview: webhook-less deploy (image build included) took \(String(format: "%.2f", seconds)) s; image build \(String(format: "%.2f", report.buildSeconds)) s")

        let env = try harness.environment("pr-7")
        #expect(env.status == .healthy)
        let port = try #require(env.port)
        #expect(env.url == "http://127.0.0.1:\(port)")
        #expect(env.pid == nil)
        #expect(harness.get("http://127.0.0.1:\(port)/index.html")?.body == "version 1\n")

        #expect(report.steps.map(\.name) == ["build: image", "deploy"])
        let image = try #require(report.image)
        #expect(image.built)
        #expect(image.id.hasPrefix("sha256:") && image.id.count == 71)
        #expect(image.reference == "slipway/pr-7:\(sha.prefix(12))-\(job.id)")
        #expect(image.mode == "single" && image.replicas == 1)
        let buildLog = try String(contentsOfFile: harness.work.child("envs/pr-7/logs/\(job.id)-image.log"), encoding: .utf8)
        #expect(buildLog.contains(": FROM slipway-test/busybox") && buildLog.contains("\nbuilding the image\n"), "\(buildLog)")
        #expect(buildLog.contains("Successfully tagged \(image.reference)"))
        #expect(!buildLog.contains(RunnerHarness.secret))

        let docker = daemon.client
        let containers = try docker.listContainers(labels: ContainerApp.labels("pr-7"))
        #expect(containers.count == 1)
        let details = try docker.inspectContainer(try #require(containers.first).id)
        #expect(details.labels[ContainerDriver.shaLabel] == sha)
        #expect(details.labels[ContainerDriver.instanceLabel]?.hasPrefix("test-") == true)
        #expect(details.labels[ContainerDriver.jobLabel] == String(job.id))
        #expect(details.imageID == image.id)
        #expect(details.user == "65534:65534")
        #expect(details.limits.readOnlyRootFilesystem)
        #expect(details.limits.memoryBytes == 64 << 20)
        #expect(details.limits.nanoCPUs == 500_000_000)
        #expect(details.limits.pidsLimit == 64)
        #expect(details.limits.capDrop == ["ALL"])
        #expect(details.limits.tmpfs.keys.contains("/tmp"))
        #expect(details.ports["8080/tcp"]?.first?.hostIP == "127.0.0.1")
        #expect(try docker.listImages(labels: ContainerApp.labels("pr-7")).map(\.id) == [image.id])
    }

    @Test("a push switches versions behind the router with no failed request; the old container and image go after the switch")
    func pushSwitchesWithoutFailedRequests() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        let router = try ProxyRouter()
        let harness = try RunnerHarness(files: ContainerApp.files())
        defer { harness.close() }
        harness.startService { $0.docker = daemon.host; $0.router = router }
        let (first, _) = try harness.deployPreview(try harness.git.head("main"), environment: "pr-8")
        #expect(first.status == .succeeded, "\(first.error ?? "")")
        let url = "\(router.base)/pr-8/index.html"
        #expect(try harness.environment("pr-8").url == "\(router.base)/pr-8")
        #expect(harness.get(url)?.body == "version 1\n")

        let loop = ClientLoop(url: url)
        loop.start()
        let second = try harness.commit(["www/index.html": "version 2\n"])
        let (job, report) = try harness.deployPreview(second, environment: "pr-8")
        #expect(job.status == .succeeded, "\(job.error ?? "") \(report.failureLogTail)")
        try Eventually.wait(for: "the client loop to see version 2") { loop.seen.contains("version 2\n") }
        let counts = loop.stop()
        print("container switch: \(counts.ok) requests answered, \(counts.failed) failed")
        #expect(counts.failed == 0, "\(loop.failures)")
        #expect(counts.ok > 5)
        #expect(loop.seen == ["version 1\n", "version 2\n"])
        #expect(router.previousStillServedAtSwitch == [true])

        let docker = daemon.client
        let containers = try docker.listContainers(labels: ContainerApp.labels("pr-8"))
        #expect(containers.map { $0.labels[ContainerDriver.shaLabel] } == [second])
        #expect(try docker.listImages(labels: ContainerApp.labels("pr-8")).map(\.id) == [try #require(report.image).id])
    }

    @Test("a failing health check keeps the old container serving; the failed one and its image are removed")
    func failingHealthKeepsOldContainer() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        let harness = try RunnerHarness(files: ContainerApp.files(spec: ContainerApp.spec(health: "{ path: /health.txt, timeout: 2s }")))
        defer { harness.close() }
        harness.startService { $0.docker = daemon.host }
        let (first, good) = try harness.deployPreview(try harness.git.head("main"), environment: "pr-9")
        #expect(first.status == .succeeded, "\(first.error ?? "")")
        let before = try harness.environment("pr-9")

        let bad = try harness.commit(["www/index.html": "version 2\n"], deleting: ["www/health.txt"])
        let (job, report) = try harness.deployPreview(bad, environment: "pr-9")
        #expect(job.status == .failed)
        #expect(report.failedPhase == .health)
        #expect(report.failure?.contains("no 2xx") == true, "\(report.failure ?? "")")
        #expect(report.health.contains { $0.status == 404 })

        let after = try harness.environment("pr-9")
        #expect(after.url == before.url)
        #expect(after.port == before.port)
        #expect(harness.get("\(try #require(before.url))/index.html")?.body == "version 1\n")
        let docker = daemon.client
        #expect(try docker.listContainers(labels: ContainerApp.labels("pr-9")).map { $0.labels[ContainerDriver.shaLabel] } == [before.sha])
        #expect(try docker.listImages(labels: ContainerApp.labels("pr-9")).map(\.id) == [try #require(good.image).id])
    }

    @Test("teardown leaves no container, image or route")
    func teardownRemovesEverything() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        let router = try ProxyRouter()
        let harness = try RunnerHarness(files: ContainerApp.files())
        defer { harness.close() }
        harness.startService { $0.docker = daemon.host; $0.router = router }
        #expect(try harness.deployPreview(try harness.git.head("main"), environment: "pr-10").job.status == .succeeded)
        #expect(router.upstreams("pr-10")?.count == 1)

        let teardown = try harness.finished(try harness.enqueueTeardown("pr-10").id, timeout: 60)
        #expect(teardown.status == .succeeded, "\(teardown.error ?? "")")
        let docker = daemon.client
        #expect(try docker.listContainers(labels: ContainerApp.labels("pr-10")).isEmpty)
        #expect(try docker.listImages(labels: ContainerApp.labels("pr-10")).isEmpty)
        #expect(router.upstreams("pr-10") == nil)
        #expect(router.history.last == "remove pr-10")
        #expect(try harness.environment("pr-10").status == .tornDown)
    }

    @Test("a restarted bot adopts its running container (no second one) and removes leftovers and orphans of its instance")
    func restartAdopts() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        let harness = try RunnerHarness(files: ContainerApp.files())
        defer { harness.close() }
        let instance = "test-adopt-\(UUID().uuidString.prefix(6))"
        let first = harness.startService { $0.docker = daemon.host; $0.instance = instance }
        #expect(try harness.deployPreview(try harness.git.head("main"), environment: "pr-11").job.status == .succeeded)
        let docker = daemon.client
        let serving = try #require(try docker.listContainers(labels: ContainerApp.labels("pr-11")).first)
        first.stop()  // the bot stops; the container keeps serving

        // What a crash could leave: a candidate of an interrupted deploy, and a container of an
        // environment the store does not know; and one of another bot instance, left alone.
        let leftover = try docker.createContainer(ContainerSpec(image: "slipway-test/busybox", labels: [
            ContainerDriver.environmentLabel: "pr-11", ContainerDriver.instanceLabel: instance]))
        let orphan = try docker.createContainer(ContainerSpec(image: "slipway-test/busybox", labels: [
            ContainerDriver.environmentLabel: "pr-99", ContainerDriver.instanceLabel: instance]))
        let foreign = try docker.createContainer(ContainerSpec(image: "slipway-test/busybox", labels: [
            ContainerDriver.environmentLabel: "pr-99", ContainerDriver.instanceLabel: "another-bot"]))

        harness.startService { $0.docker = daemon.host; $0.instance = instance }
        let ids = Set(try docker.listContainers().map(\.id))
        #expect(try docker.listContainers(labels: ContainerApp.labels("pr-11")).map(\.id) == [serving.id])
        #expect(!ids.contains(leftover))
        #expect(!ids.contains(orphan))
        #expect(ids.contains(foreign))
        try docker.removeContainer(foreign, force: true)
        let env = try harness.environment("pr-11")
        #expect(harness.get("\(try #require(env.url))/index.html")?.body == "version 1\n")

        // Adopted: a teardown by the new bot removes it.
        #expect(try harness.finished(try harness.enqueueTeardown("pr-11").id, timeout: 60).status == .succeeded)
        #expect(try docker.listContainers(labels: ContainerApp.labels("pr-11")).isEmpty)
    }

    @Test("a newer SHA stops a running image build (at its next line of output) and the newer version deploys")
    func newerSHACancelsImageBuild() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        var files = ContainerApp.files()
        files["Dockerfile"] = ContainerApp.dockerfile.replacingOccurrences(
            of: "RUN echo \"building the image\"", with: "RUN while true; do echo still building; sleep 0.2; done")
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        harness.startService { $0.docker = daemon.host }
        let first = try harness.enqueueDeploy(try harness.git.head("main"), environment: "pr-13", specFile: "environments/preview.yaml")
        let log = harness.work.child("envs/pr-13/logs/\(first.id)-image.log")
        try Eventually.wait(for: "the endless build to run", timeout: 60) {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("still building")
        }
        let second = try harness.commit(["Dockerfile": ContainerApp.dockerfile])
        let newer = try harness.enqueueDeploy(second, environment: "pr-13", specFile: "environments/preview.yaml")

        let cancelled = try harness.finished(first.id, timeout: 30)
        #expect(cancelled.status == .cancelled)
        let report = try harness.observer.report(first.id)
        #expect(report.outcome == .cancelled)
        #expect(report.steps.last?.killedBecause == "cancelled")
        let done = try harness.finished(newer.id, timeout: 120)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        #expect(try harness.environment("pr-13").sha == second)
        // No build container is left running by the stopped build.
        try Eventually.wait(for: "the stopped build's container to go", timeout: 30) {
            try daemon.client.listContainers().filter { !$0.labels.keys.contains(ContainerDriver.environmentLabel) }.isEmpty
        }
    }

    @Test("without a Docker host a container spec fails with what to configure, and nothing runs")
    func noDockerHost() throws {
        let harness = try RunnerHarness(files: ContainerApp.files())
        defer { harness.close() }
        harness.startService()
        let (job, report) = try harness.deployPreview(try harness.git.head("main"), environment: "pr-12")
        #expect(job.status == .failed)
        #expect(report.failedPhase == .deploy)
        #expect(report.failure?.contains("start it with --docker-host (or DOCKER_HOST)") == true, "\(report.failure ?? "")")
    }
}

@Suite("Runner: the container driver in Swarm mode on a private single-node Swarm", .dockerDaemon, .serialized)
struct SwarmDriverTests {
    @Test("mode: swarm with 2 replicas answers through the router on both tasks' ports, rolls to a new version, and teardown removes the service")
    func swarmTwoReplicas() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        let docker = daemon.client
        let node = try docker.initSwarm(advertiseAddress: "127.0.0.1", listenAddress: "127.0.0.1:\(try freeLoopbackPort())")
        defer { try? docker.leaveSwarm(force: true) }
        let details = try docker.inspectNode(node)
        #expect(details.address == "127.0.0.1" && details.role == "manager" && details.state == "ready", "\(details)")
        let router = try ProxyRouter()
        let spec = ContainerApp.spec(extra: "  mode: swarm\n  replicas: 2", health: "{ path: /health.txt, timeout: 60s }")
        let harness = try RunnerHarness(files: ContainerApp.files(spec: spec))
        defer { harness.close() }
        harness.startService { $0.docker = daemon.host; $0.router = router }

        let (job, report) = try harness.deployPreview(try harness.git.head("main"), environment: "pr-20")
        #expect(job.status == .succeeded, "\(job.error ?? "") \(report.failureLogTail)")
        #expect(report.image?.mode == "swarm" && report.image?.replicas == 2)
        let upstreams = try #require(router.upstreams("pr-20"))
        #expect(upstreams.count == 2)
        for upstream in upstreams {
            #expect(harness.get("http://\(upstream)/index.html")?.body == "version 1\n")
        }
        #expect(harness.get("\(router.base)/pr-20/index.html")?.body == "version 1\n")
        let service = try #require(try docker.listServices(labels: ContainerApp.labels("pr-20")).first)
        #expect(service.replicas == 2)
        #expect(service.updateOrder == "start-first")
        #expect(service.failureAction == "rollback")

        let second = try harness.commit(["www/index.html": "version 2\n"])
        let (update, _) = try harness.deployPreview(second, environment: "pr-20")
        #expect(update.status == .succeeded, "\(update.error ?? "")")
        #expect(router.upstreams("pr-20")?.count == 2)
        for upstream in router.upstreams("pr-20") ?? [] {
            #expect(harness.get("http://\(upstream)/index.html")?.body == "version 2\n")
        }

        #expect(try harness.finished(try harness.enqueueTeardown("pr-20").id, timeout: 60).status == .succeeded)
        #expect(try docker.listServices(labels: ContainerApp.labels("pr-20")).isEmpty)
        #expect(router.upstreams("pr-20") == nil)
    }
}

/// GETs `url` over and over on its own thread, counting answers and failures.
final class ClientLoop: @unchecked Sendable {
    let url: String
    private let lock = NSLock()
    private var running = true
    private var ok = 0
    private var failed: [String] = []
    private var bodies: [String] = []
    private let done = DispatchSemaphore(value: 0)

    init(url: String) {
        self.url = url
    }

    func start() {
        Thread { [self] in
            while isRunning {
                let result = Result { try HTTPClient().send(HTTPClientRequest(url: url, connectTimeout: 2, timeout: 5)) }
                lock.lock()
                switch result {
                case .success(let response) where response.status == 200:
                    ok += 1
                    let body = response.bodyText ?? ""
                    if bodies.last != body { bodies.append(body) }
                case .success(let response):
                    failed.append("HTTP \(response.status): \(response.bodyText ?? "")")
                case .failure(let error):
                    failed.append("\(error)")
                }
                lock.unlock()
            }
            done.signal()
        }.start()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    /// The distinct bodies in the order they were first seen (a change back would show twice).
    var seen: [String] {
        lock.lock()
        defer { lock.unlock() }
        return bodies
    }

    var failures: [String] {
        lock.lock()
        defer { lock.unlock() }
        return failed
    }

    func stop() -> (ok: Int, failed: Int) {
        lock.lock()
        running = false
        lock.unlock()
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return (ok, failed.count)
    }
}

/// A free TCP port on loopback (for the Swarm's listen address).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
    return Int(UInt16(bigEndian: address.sin_port))
}

import HTTPClient
#if canImport(Glibc)
import Glibc
#endif
