@testable import Docker
import Foundation
import Testing

/// The parts of the wire format that need no daemon: log frames, error scrubbing, label filters.
struct WireFormatTests {
    static func frame(_ stream: UInt8, _ text: String) -> Data {
        let payload = Data(text.utf8)
        let count = UInt32(payload.count)
        return Data([stream, 0, 0, 0, UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]) + payload
    }

    @Test func multiplexedLogsAreSplitIntoStdoutAndStderr() {
        let data = Self.frame(1, "out 1\n") + Self.frame(2, "err\n") + Self.frame(1, "out 2\n")
        let logs = ContainerLogs.demultiplex(data)
        #expect(logs?.stdoutText == "out 1\nout 2\n")
        #expect(logs?.stderrText == "err\n")
        #expect(ContainerLogs.demultiplex(Data("plain tty output\n".utf8)) == nil)
        #expect(ContainerLogs.demultiplex(Data()) == ContainerLogs())
        // A frame cut short keeps what arrived.
        #expect(ContainerLogs.demultiplex(Self.frame(1, "whole\n").dropLast(2))?.stdoutText == "whol")
    }

    @Test func secretsAreScrubbedFromDaemonMessagesLongestFirst() {
        let error = DockerError(.daemon, "create container", status: 400, message: "bad env TOKEN=abcd-efgh and abcd",
                                scrubbing: ["abcd", "abcd-efgh", "x"])
        #expect(error.message == "bad env TOKEN=[redacted] and [redacted]")
        #expect(error.description == "docker: create container failed (HTTP 400): bad env TOKEN=[redacted] and [redacted]")
    }

    @Test func labelFiltersAreDockersJSON() {
        #expect(DockerClient.labelFilter([:]).isEmpty)
        let filter = DockerClient.labelFilter(["b": "2", "a": "1", "flag": ""])
        #expect(filter.map(\.1) == [#"{"label":["a=1","b=2","flag"]}"#])
    }

    @Test func referencesThatWouldChangeThePathAreRefused() throws {
        #expect(try DockerClient.checkReference("slipway/app:abc@sha256:00", "x") == "slipway/app:abc@sha256:00")
        for bad in ["", "a b", "a?b", "a#b", "a%2e", "a\nb"] {
            #expect(throws: DockerError.self) { try DockerClient.checkReference(bad, "x") }
        }
    }

    @Test func theContainerBodyCarriesTheLockedDownDefaults() throws {
        let body = ContainerSpec(image: "app:1", environment: ["B": "2", "A": "1"], port: .init(containerPort: 8080)).body()
        let host = try #require(body["HostConfig"] as? [String: Any])
        #expect(host["ReadonlyRootfs"] as? Bool == true)
        #expect(host["CapDrop"] as? [String] == ["ALL"])
        #expect(host["SecurityOpt"] as? [String] == ["no-new-privileges:true"])
        #expect((host["Tmpfs"] as? [String: String])?["/tmp"] != nil)
        #expect(body["Env"] as? [String] == ["A=1", "B=2"])
        let bindings = try #require(host["PortBindings"] as? [String: [[String: String]]])
        #expect(bindings["8080/tcp"] == [["HostIp": "127.0.0.1", "HostPort": ""]])
    }
    @Test func anEntrypointIsSentOnlyWhenSetAndEmptyClearsTheImages() {
        #expect(ContainerSpec(image: "app:1").body()["Entrypoint"] == nil)
        #expect(ContainerSpec(image: "app:1", command: ["id"], entrypoint: []).body()["Entrypoint"] as? [String] == [])
    }

    @Test func imageDetailsCarryTheEntrypointPortsVolumesAndHealthCheck() throws {
        let json = #"{"Id":"sha256:ab","Config":{"User":"app:app","Cmd":["serve"],"Entrypoint":["/usr/bin/tini","--","app"],"ExposedPorts":{"9090/tcp":{},"8080/tcp":{}},"Volumes":{"/var/lib/app":{}},"Healthcheck":{"Test":["CMD-SHELL","curl -f http://127.0.0.1/readyz"],"Interval":30000000000}}}"#
        let details = try JSONDecoder().decode(ImageDetails.self, from: Data(json.utf8))
        #expect(details.user == "app:app")
        #expect(details.entrypoint == ["/usr/bin/tini", "--", "app"])
        #expect(details.exposedPorts == ["8080/tcp", "9090/tcp"])
        #expect(details.volumes == ["/var/lib/app"])
        #expect(details.healthCheckTest == ["CMD-SHELL", "curl -f http://127.0.0.1/readyz"])
        let bare = try JSONDecoder().decode(ImageDetails.self, from: Data(#"{"Id":"sha256:cd","Config":{"Healthcheck":{"Test":["NONE"]},"ExposedPorts":null}}"#.utf8))
        #expect(bare.healthCheckTest == nil)
        #expect(bare.exposedPorts.isEmpty && bare.volumes.isEmpty && bare.entrypoint == nil)
    }
}
