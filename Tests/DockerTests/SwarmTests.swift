import Docker
import Foundation
import Glibc
import HTTPClient
import Testing
import TestSupport

/// A single-node Swarm on a private dockerd: a service of 2 replicas, each answering on the port
/// its task publishes on the node (host mode), a start-first update, removal.
///
/// The routing mesh (`ingress` publish mode) does not work on these machines: the kernel has no
/// IPVS (`Could not get ipvs family information from the kernel`) and the private daemon runs
/// with `--iptables=false`, so nothing listens on an ingress port. Host mode needs neither.
@Suite(.dockerDaemon, .serialized)
struct SwarmTests {
    @Test func aServiceOfTwoReplicasAnswersOnEachTasksHostPortAndRollsStartFirst() throws {
        let daemon = try DockerDaemon.current()
        let docker = daemon.client
        try daemon.importBusyboxImage()
        for version in ["one", "two"] {
            var archive = TarArchive()
            try archive.addFile("Dockerfile", contents: Data("""
            FROM slipway-test/busybox
            RUN echo \(version) > /www/index.html
            CMD ["httpd","-f","-p","8080","-h","/www"]
            """.utf8))
            _ = try docker.buildImage(context: archive.data, tags: ["slipway-test/swarm:\(version)"])
        }

        let nodeID = try docker.initSwarm(advertiseAddress: "127.0.0.1", listenAddress: "127.0.0.1:\(try Self.freePort())")
        #expect(!nodeID.isEmpty)
        let swarm = try docker.info().swarm
        #expect(swarm.isManager, "\(swarm)")
        #expect(swarm.nodeID == nodeID)

        var spec = ServiceSpec(
            name: "slipway-pr-7", image: "slipway-test/swarm:one", environment: ["APP_ENV": "preview"],
            labels: ["dev.slipway.environment": "pr-7"], containerLabels: ["dev.slipway.environment": "pr-7"],
            replicas: 2, port: .init(target: 8080, mode: .host), memoryBytes: 64 * 1024 * 1024, cpus: 0.5, pidsLimit: 64
        )
        let id = try docker.createService(spec)
        let service = try docker.inspectService(id)
        #expect(service.name == "slipway-pr-7")
        #expect(service.replicas == 2)
        #expect(service.updateOrder == "start-first")
        #expect(service.failureAction == "rollback")
        #expect(try docker.listServices(labels: ["dev.slipway.environment": "pr-7"]).map(\.id) == [id])

        #expect(try Self.answers(docker, service: id, count: 2) == ["one\n", "one\n"])

        let current = try docker.inspectService(id)
        spec.image = "slipway-test/swarm:two"
        try docker.updateService(id, version: current.version, spec)
        let answers = try Eventually.value(of: "both replicas to serve version two", timeout: 60, interval: 0.2) {
            let answers = try? Self.answers(docker, service: id, count: 2, timeout: 2)
            return answers == ["two\n", "two\n"] ? answers : nil
        }
        #expect(answers.count == 2)
        let updated = try Eventually.value(of: "the update to complete", timeout: 60, interval: 0.2) {
            let details = try docker.inspectService(id)
            return details.updateState == "completed" ? details : nil
        }
        #expect(updated.image.hasPrefix("slipway-test/swarm:two"))

        let stale = #expect(throws: DockerError.self) { try docker.updateService(id, version: current.version, spec) }
        #expect(stale?.kind == .daemon, "\(String(describing: stale))")

        try docker.removeService(id)
        try Eventually.wait(for: "the service's containers to go", timeout: 60, interval: 0.2) {
            try docker.listContainers(labels: ["dev.slipway.environment": "pr-7"]).isEmpty
        }
        #expect(try docker.listServices().isEmpty)
        try docker.leaveSwarm(force: true)
        #expect(try docker.info().swarm.localNodeState == "inactive")
    }

    /// The bodies of `/` from the running tasks' host ports, once `count` tasks run and answer.
    static func answers(_ docker: DockerClient, service: String, count: Int, timeout: Double = 60) throws -> [String] {
        let http = HTTPClient()
        return try Eventually.value(of: "\(count) tasks of \(service) to answer on their host ports", timeout: timeout, interval: 0.1) {
            let running = try docker.listTasks(service: service).filter { $0.state == "running" && $0.desiredState == "running" }
            let ports = running.compactMap { $0.hostPorts.first { $0.target == 8080 }?.published }
            guard ports.count == count else { return nil }
            let bodies = ports.compactMap { try? http.send(HTTPClientRequest(url: "http://127.0.0.1:\($0)/", timeout: 2)) }
                .filter { $0.status == 200 }.compactMap(\.bodyText)
            return bodies.count == count ? bodies.sorted() : nil
        }
    }

    static func freePort() throws -> Int {
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
}
