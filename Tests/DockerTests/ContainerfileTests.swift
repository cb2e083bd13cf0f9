import Docker
import Foundation
import HTTPClient
import Testing
import TestSupport

/// `packaging/container/Containerfile`, built for real on a private dockerd without a registry:
/// its `prebuilt` stage on a Debian base made by `mmdebstrap` (`DebianRootFilesystem`), with the
/// `slipway` this package built (and, as it is a debug build, the Swift run-time libraries its
/// `$ORIGIN` run path finds next to it). The runtime stage's `apt-get` reaches the Debian mirror
/// through the host's network. The full source build (`release` stage) is too slow for CI: it is
/// `scripts/container/build.sh`, run by hand (docs/install.md).
@Suite(.dockerDaemon, .serialized)
struct ContainerfileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
    static let image = "slipway-test/slipway:prebuilt"

    @Test func theImageRunsTheBotAsNonRootAndIsHealthyOnItsPublishedPort() throws {
        let daemon = try DockerDaemon.current()
        let docker = daemon.client
        try daemon.importDebianImage()
        let context = try Self.prebuiltContext(binary: try Binaries.slipway())

        var output: [String] = []
        do {
            _ = try docker.buildImage(
                context: context, tags: [Self.image], dockerfile: "Containerfile", target: "prebuilt",
                buildArguments: ["RUNTIME_IMAGE": "slipway-test/debian:bookworm-slim"], networkMode: "host", timeout: 1200
            ) { output.append($0) }
        } catch {
            // The stage's apt-get needs the Debian mirror; its `slipway --version` needs every library.
            Issue.record("the prebuilt stage did not build: \(error)\nlast output (a failing apt-get: is deb.debian.org reachable from this host?):\n\(output.suffix(30).joined(separator: "\n"))")
            return
        }
        // The stage ran the binary as the image's user at build time: the libraries all load.
        #expect(output.contains { $0.hasPrefix("slipway ") }, "\(output.suffix(20))")

        let details = try docker.inspectImage(Self.image)
        #expect(details.user == "slipway:slipway")
        #expect(details.entrypoint == ["/usr/bin/tini", "--", "/usr/local/bin/slipway"])
        #expect(details.command == ["serve"])
        #expect(details.exposedPorts == ["8080/tcp"])
        #expect(details.volumes == ["/var/lib/slipway"])
        let healthTest = try #require(details.healthCheckTest, "the image has no HEALTHCHECK")
        #expect(healthTest.first == "CMD-SHELL" && healthTest.joined(separator: " ").contains("/readyz"), "\(healthTest)")

        // `slipway --version` through the entry point, and who the image runs as.
        let version = try Self.runToExit(docker, ContainerSpec(image: Self.image, command: ["--version"], networkMode: "none"))
        #expect(version.exitCode == 0)
        #expect(version.logs.stdoutText.hasPrefix("slipway "), "\(version.logs.stdoutText)\(version.logs.stderrText)")
        let identity = try Self.runToExit(docker, ContainerSpec(image: Self.image, command: ["/usr/bin/id"], networkMode: "none", entrypoint: []))
        #expect(identity.logs.stdoutText == "uid=10001(slipway) gid=10001(slipway) groups=10001(slipway)\n", "\(identity.logs.stderrText)")

        // `slipway serve` (the default command) locked down: read-only root, no capabilities, no
        // new privileges, state in the volume; no repository and no forge, so no network.
        let secret = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        let spec = ContainerSpec(
            image: Self.image, environment: ["SLIPWAY_WEBHOOK_SECRET": secret], port: .init(containerPort: 8080),
            memoryBytes: 256 * 1024 * 1024, pidsLimit: 256,
            // The image's own check, probed every half second instead of every 30 s.
            healthCheck: HealthCheck(test: healthTest, interval: 0.5, timeout: 5, retries: 3), stopTimeout: 20
        )
        let id = try docker.createContainer(spec)
        defer { _ = try? docker.removeContainer(id, force: true) }
        try docker.startContainer(id)
        let port = try Eventually.value(of: "the published port of the bot's container", timeout: 20, interval: 0.05) {
            try docker.inspectContainer(id).publishedPort(8080)
        }
        let http = HTTPClient()
        let healthz = try Self.logsOnFailure(docker, id) {
            try Eventually.value(of: "/healthz to answer through the published port", timeout: 60, interval: 0.1) {
                let state = try docker.inspectContainer(id).state
                guard state.running else { throw ContainerfileTestError("the bot's container exited with status \(state.exitCode)") }
                return try? http.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz", timeout: 2))
            }
        }
        #expect(healthz.status == 200)
        let readyz = try http.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz", timeout: 5))
        #expect(readyz.status == 200, "\(readyz.bodyText ?? "")")
        #expect(readyz.bodyText?.contains("\"store\":\"sqlite\"") == true, "\(readyz.bodyText ?? "")")
        let unsigned = try http.send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/webhook", body: Data("{}".utf8), timeout: 5))
        #expect(unsigned.status == 401, "an unsigned delivery is refused: \(unsigned.status)")
        let healthy = try Self.logsOnFailure(docker, id) {
            try Eventually.value(of: "the image's HEALTHCHECK to report healthy", timeout: 60, interval: 0.1) {
                let state = try docker.inspectContainer(id).state
                guard state.health != "unhealthy" else { throw ContainerfileTestError("unhealthy: \(state.lastHealthOutput ?? "")") }
                return state.health == "healthy" ? state : nil
            }
        }
        #expect(healthy.running)

        // SIGTERM through tini: the bot stops gracefully and exits 0.
        try docker.stopContainer(id, timeout: 20)
        let stopped = try docker.inspectContainer(id).state
        let logs = try docker.containerLogs(id)
        #expect(stopped.exitCode == 0, "\(logs.stdoutText)\(logs.stderrText)")
        #expect(logs.stdoutText.contains("listening on http://0.0.0.0:8080/webhook"), "\(logs.stdoutText)")
        #expect(!(logs.stdoutText + logs.stderrText).contains(secret))
    }

    // MARK: Helpers

    /// The build context of the `prebuilt` stage: the Containerfile (left out of the copy by a
    /// `.dockerignore`), `slipway`, and the libraries it loads from the Swift toolchain, found
    /// with `ldd` (none for a binary built with `--static-swift-stdlib`).
    static func prebuiltContext(binary: String) throws -> Data {
        let containerfile = try Data(contentsOf: URL(fileURLWithPath: root + "/packaging/container/Containerfile"))
        var archive = TarArchive(maxBytes: 1024 * 1024 * 1024)
        try archive.addFile("Containerfile", contents: containerfile)
        try archive.addFile(".dockerignore", contents: Data("Containerfile\n.dockerignore\n".utf8))
        guard let bytes = FileManager.default.contents(atPath: binary) else { throw ContainerfileTestError("cannot read \(binary)") }
        try archive.addFile("slipway", contents: bytes, mode: 0o755)
        for library in try swiftRuntimeLibraries(of: binary) {
            guard let bytes = FileManager.default.contents(atPath: library) else { throw ContainerfileTestError("cannot read \(library)") }
            try archive.addFile(URL(fileURLWithPath: library).lastPathComponent, contents: bytes, mode: 0o644)
        }
        return archive.data
    }

    /// The shared libraries `binary` loads that Debian does not provide: those `ldd` resolves
    /// into the directory of the Swift toolchain's `libswiftCore.so`.
    static func swiftRuntimeLibraries(of binary: String) throws -> [String] {
        let result = try Command.check("/usr/bin/ldd", [binary])
        let resolved = result.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let arrow = line.range(of: " => ") else { return nil }
            return line[arrow.upperBound...].split(separator: " ").first.map(String.init)
        }
        if resolved.contains(where: { $0.hasPrefix("not") }) {
            throw ContainerfileTestError("ldd cannot resolve every library of \(binary):\n\(result.stdout)")
        }
        guard let core = resolved.first(where: { $0.hasSuffix("/libswiftCore.so") }) else { return [] }
        let toolchain = URL(fileURLWithPath: core).deletingLastPathComponent().path + "/"
        return resolved.filter { $0.hasPrefix(toolchain) }.sorted()
    }

    /// Runs `spec` until it exits; returns its exit code and output, and removes it.
    static func runToExit(_ docker: DockerClient, _ spec: ContainerSpec) throws -> (exitCode: Int, logs: ContainerLogs) {
        let id = try docker.createContainer(spec)
        defer { _ = try? docker.removeContainer(id, force: true) }
        try docker.startContainer(id)
        let state = try Eventually.value(of: "the container running \(spec.command ?? []) to exit", timeout: 60, interval: 0.05) {
            let state = try docker.inspectContainer(id).state
            return state.status == "exited" ? state : nil
        }
        return (state.exitCode, try docker.containerLogs(id))
    }

    /// `body`, with the container's logs added to its error.
    static func logsOnFailure<T>(_ docker: DockerClient, _ id: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            let logs = (try? docker.containerLogs(id, tail: 40)).map { $0.stdoutText + $0.stderrText } ?? "(no logs)"
            throw ContainerfileTestError("\(error)\ncontainer logs:\n\(logs)")
        }
    }
}

/// A failure of the Containerfile test's own steps, with what happened.
struct ContainerfileTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
