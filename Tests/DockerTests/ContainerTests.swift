import Docker
import Foundation
import HTTPClient
import Testing
import TestSupport

/// The client against a private dockerd: build, run, inspect, logs, stop, remove.
@Suite(.dockerDaemon, .serialized)
struct ContainerTests {
    static let labels = ["dev.slipway.environment": "pr-7", "dev.slipway.sha": "abc123", "dev.slipway.instance": "test"]

    /// A build context: the Dockerfile and a page to serve.
    static func context(dockerfile: String, files: [String: String] = [:]) throws -> Data {
        var archive = TarArchive()
        try archive.addFile("Dockerfile", contents: Data(dockerfile.utf8))
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            try archive.addFile(path, contents: Data(text.utf8))
        }
        return archive.data
    }

    static let appDockerfile = """
    FROM slipway-test/busybox
    COPY index.html /www/index.html
    RUN echo built-by-run > /www/run.txt
    CMD ["sh","-c","echo serving /www on 8080; exec httpd -f -p 8080 -h /www"]
    """

    @Test func theDaemonServesTheAPIVersionThisClientSpeaks() throws {
        let docker = try DockerDaemon.current().client
        try docker.ping()
        let version = try docker.checkAPIVersion()
        #expect(DockerVersionTests.atLeast141(version.apiVersion), "API \(version.apiVersion)")
        let info = try docker.info()
        #expect(!info.id.isEmpty)
        #expect(info.swarm.localNodeState == "inactive")
        #expect(!info.swarm.isManager)
    }

    @Test func aBuiltImageRunsWithAPublishedLoopbackPortLabelsLimitsAndLogs() throws {
        let daemon = try DockerDaemon.current()
        let docker = daemon.client
        try daemon.importBusyboxImage()

        var output: [String] = []
        let imageID = try docker.buildImage(
            context: Self.context(dockerfile: Self.appDockerfile, files: ["index.html": "hello from the preview\n"]),
            tags: ["slipway-test/app:abc123"], labels: Self.labels
        ) { output.append($0) }
        #expect(imageID.hasPrefix("sha256:"))
        #expect(output.first == "Step 1/7 : FROM slipway-test/busybox", "\(output)")
        #expect(output.last == "Successfully tagged slipway-test/app:abc123")
        #expect(!output.contains(""))
        let image = try docker.inspectImage("slipway-test/app:abc123")
        #expect(image.id == imageID)
        #expect(image.labels["dev.slipway.environment"] == "pr-7")
        #expect(try docker.listImages(labels: ["dev.slipway.sha": "abc123"]).map(\.id) == [imageID])
        #expect(try docker.listImages(labels: ["dev.slipway.sha": "other"]).isEmpty)

        let spec = ContainerSpec(
            image: "slipway-test/app:abc123", environment: ["APP_ENV": "preview", "API_TOKEN": "s3cr3t-token-value"],
            labels: Self.labels, port: .init(containerPort: 8080), memoryBytes: 64 * 1024 * 1024, cpus: 0.5, pidsLimit: 64,
            user: "65534:65534"
        )
        #expect(!spec.description.contains("s3cr3t"))
        let id = try docker.createContainer(spec, name: "slipway-pr-7-abc123")
        try docker.startContainer(id)
        try docker.startContainer(id)  // already running: not an error

        let details = try docker.inspectContainer(id)
        #expect(details.name == "slipway-pr-7-abc123")
        #expect(details.imageID == imageID)
        #expect(details.state.running)
        #expect(details.labels == Self.labels)
        #expect(details.user == "65534:65534")
        #expect(details.limits.memoryBytes == 64 * 1024 * 1024)
        #expect(details.limits.nanoCPUs == 500_000_000)
        #expect(details.limits.pidsLimit == 64)
        #expect(details.limits.readOnlyRootFilesystem)
        #expect(details.limits.capDrop == ["ALL"])
        #expect(details.limits.securityOptions == ["no-new-privileges:true"])
        #expect(details.limits.tmpfs["/tmp"] != nil)
        let binding = try #require(details.ports["8080/tcp"]?.first)
        #expect(binding.hostIP == "127.0.0.1")
        let port = try #require(details.publishedPort(8080))

        // Real HTTP over loopback through Docker's userland proxy; httpd may need a moment.
        let http = HTTPClient()
        let response = try Eventually.value(of: "the container to answer on 127.0.0.1:\(port)", timeout: 20, interval: 0.05) {
            try? http.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/index.html", timeout: 2))
        }
        #expect(response.status == 200)
        #expect(response.bodyText == "hello from the preview\n")
        #expect(try http.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/run.txt")).bodyText == "built-by-run\n")

        let listed = try docker.listContainers(labels: ["dev.slipway.environment": "pr-7"])
        #expect(listed.map(\.id) == [id])
        #expect(listed.first?.state == "running")
        #expect(try docker.listContainers(labels: ["dev.slipway.environment": "pr-8"]).isEmpty)

        let logs = try docker.containerLogs(id)
        #expect(logs.stdoutText == "serving /www on 8080\n")
        #expect(logs.stderrText.isEmpty)

        try docker.stopContainer(id, timeout: 2)
        let stopped = try docker.inspectContainer(id)
        #expect(!stopped.state.running)
        #expect(stopped.state.status == "exited")
        try docker.stopContainer(id)  // already stopped: not an error
        try docker.removeContainer(id)
        let gone = #expect(throws: DockerError.self) { try docker.inspectContainer(id) }
        #expect(gone?.isNotFound == true)
        #expect(try docker.listContainers(labels: ["dev.slipway.environment": "pr-7"]).isEmpty)

        let removed = try docker.removeImage("slipway-test/app:abc123")
        #expect(removed.contains { $0.deleted == imageID })
        #expect(try docker.listImages(labels: ["dev.slipway.sha": "abc123"]).isEmpty)
        let missing = #expect(throws: DockerError.self) { try docker.inspectImage("slipway-test/app:abc123") }
        #expect(missing?.isNotFound == true)
    }

    @Test func aFailingBuildStepSurfacesTheDaemonsMessage() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        var output: [String] = []
        let error = #expect(throws: DockerError.self) {
            try daemon.client.buildImage(
                context: Self.context(dockerfile: "FROM slipway-test/busybox\nRUN echo about-to-fail && false\n"),
                tags: ["slipway-test/broken:1"]
            ) { output.append($0) }
        }
        #expect(error?.kind == .buildFailed)
        #expect(error?.message.contains("returned a non-zero code: 1") == true, "\(String(describing: error))")
        #expect(output.contains("about-to-fail"), "\(output)")
    }

    @Test func aDockerfileThatIsNotInTheContextIsADaemonError() throws {
        let daemon = try DockerDaemon.current()
        let error = #expect(throws: DockerError.self) {
            try daemon.client.buildImage(context: Self.context(dockerfile: "FROM scratch\n"), tags: ["slipway-test/x:1"], dockerfile: "Missing.dockerfile")
        }
        #expect(error?.message.contains("Missing.dockerfile") == true, "\(String(describing: error))")
    }

    @Test func aContainerThatExitsShowsItsExitCodeAndOutput() throws {
        let daemon = try DockerDaemon.current()
        let docker = daemon.client
        try daemon.importBusyboxImage()
        let id = try docker.createContainer(ContainerSpec(image: "slipway-test/busybox", command: ["sh", "-c", "echo out; echo err >&2; touch /not-allowed; exit 3"]))
        try docker.startContainer(id)
        let details = try Eventually.value(of: "the container to exit", timeout: 20, interval: 0.05) {
            let details = try docker.inspectContainer(id)
            return details.state.status == "exited" ? details : nil
        }
        #expect(details.state.exitCode == 3)
        let logs = try docker.containerLogs(id)
        #expect(logs.stdoutText == "out\n")
        #expect(logs.stderrText.contains("err\n"))
        #expect(logs.stderrText.contains("Read-only file system"), "\(logs.stderrText)")
        try docker.removeContainer(id, force: true)
    }

    @Test func aMissingImageIsANotFoundErrorThatNamesNoEnvironmentValue() throws {
        let docker = try DockerDaemon.current().client
        let error = #expect(throws: DockerError.self) {
            try docker.createContainer(ContainerSpec(image: "slipway-test/none:1", environment: ["TOKEN": "very-secret-value"]))
        }
        #expect(error?.isNotFound == true)
        #expect(error?.message.contains("slipway-test/none") == true, "\(String(describing: error))")
        #expect(!String(describing: error).contains("very-secret-value"))
    }

    @Test func aRunningContainerCanBeKilledAndForceRemoved() throws {
        let daemon = try DockerDaemon.current()
        let docker = daemon.client
        try daemon.importBusyboxImage()
        let id = try docker.createContainer(ContainerSpec(image: "slipway-test/busybox", command: ["sleep", "600"], labels: ["dev.slipway.instance": "kill"]))
        try docker.startContainer(id)
        try docker.killContainer(id)
        try Eventually.wait(for: "the container to die", timeout: 20, interval: 0.05) { try !docker.inspectContainer(id).state.running }
        #expect(try docker.inspectContainer(id).state.exitCode == 137)
        try docker.removeContainer(id, force: true)
        #expect(try docker.listContainers(labels: ["dev.slipway.instance": "kill"]).isEmpty)
    }
}

enum DockerVersionTests {
    static func atLeast141(_ text: String) -> Bool {
        let parts = text.split(separator: ".").compactMap { Int($0) }
        return parts.count == 2 && (parts[0], parts[1]) >= (1, 41)
    }
}
