import Docker
import Foundation
import Testing
import TestSupport

/// `--docker-host` / `DOCKER_HOST` parsing: what is accepted, and a clear error for the rest.
struct DockerHostTests {
    @Test func aUnixSocketAddressGoesToThatSocket() throws {
        let host = try DockerHost(parsing: "unix:///var/run/docker.sock")
        #expect(host.endpoint == .unix(path: "/var/run/docker.sock"))
        #expect(host.socketPath == "/var/run/docker.sock")
        #expect(host.baseURL == "http://docker")
        #expect(host.description == "unix:///var/run/docker.sock")
    }

    @Test func aTCPAddressTakesItsPortOrDockersDefault() throws {
        #expect(try DockerHost(parsing: "tcp://10.0.0.5:2376").endpoint == .tcp(host: "10.0.0.5", port: 2376))
        #expect(try DockerHost(parsing: "tcp://docker.example.com").endpoint == .tcp(host: "docker.example.com", port: 2375))
        #expect(try DockerHost(parsing: "tcp://[::1]:2375").baseURL == "http://[::1]:2375")
        #expect(try DockerHost(parsing: "TCP://host:1/").endpoint == .tcp(host: "host", port: 1))
    }

    @Test(arguments: [
        ("docker.sock", "not a Docker host address"),
        ("ssh://user@host", "scheme 'ssh' is not supported"),
        ("npipe:////./pipe/docker_engine", "scheme 'npipe' is not supported"),
        ("http://host:2375", "scheme 'http' is not supported"),
        ("unix://", "needs a socket path"),
        ("unix://relative/docker.sock", "is not absolute"),
        ("tcp://", "needs a host"),
        ("tcp://host:0", "port '0' is not a number from 1 to 65535"),
        ("tcp://host:70000", "port '70000'"),
        ("tcp://host:abc", "port 'abc'"),
        ("tcp://user:secret@host:2376", "takes no user or password"),
        ("tcp://host:2376/v1.41", "without a path"),
        ("tcp://::1:2375", "in brackets"),
        ("tcp://[::1:2375", "unclosed ["),
        ("tcp://ho st:1", "characters a host name cannot have"),
    ])
    func aBadAddressIsRefusedWithAClearError(address: String, expected: String) {
        let error = #expect(throws: DockerHostError.self) { try DockerHost(parsing: address) }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
        #expect(error?.description.contains("secret") != true)
    }

    @Test func aSocketPathLongerThanSockaddrUnHoldsIsRefused() {
        let error = #expect(throws: DockerHostError.self) { try DockerHost(parsing: "unix:///" + String(repeating: "a", count: 120)) }
        #expect(error?.description.contains("at most 107") == true)
    }

    @Test func theFlagWinsOverDockerHostWhichWinsOverTheDefault() throws {
        #expect(try DockerHost.resolve(flag: nil, environment: [:]).description == DockerHost.defaultAddress)
        #expect(try DockerHost.resolve(flag: nil, environment: ["DOCKER_HOST": ""]).description == DockerHost.defaultAddress)
        #expect(try DockerHost.resolve(flag: nil, environment: ["DOCKER_HOST": "unix:///tmp/d.sock"]).socketPath == "/tmp/d.sock")
        #expect(try DockerHost.resolve(flag: "unix:///tmp/flag.sock", environment: ["DOCKER_HOST": "unix:///tmp/d.sock"]).socketPath == "/tmp/flag.sock")
    }

    @Test func tlsVerifyUsesTheCertificateFilesOfDockerCertPath() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-docker-tls")
        let environment = ["DOCKER_HOST": "tcp://127.0.0.1", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": directory.path]
        let missing = #expect(throws: DockerHostError.self) { try DockerHost.resolve(flag: nil, environment: environment) }
        #expect(missing?.description.contains("\(directory.path)/ca.pem is missing") == true, "\(String(describing: missing))")

        for name in ["ca.pem", "cert.pem", "key.pem"] { try directory.write(name, "PEM\n") }
        let host = try DockerHost.resolve(flag: nil, environment: environment)
        #expect(host.endpoint == .tcp(host: "127.0.0.1", port: 2376))
        #expect(host.baseURL == "https://127.0.0.1:2376")
        #expect(host.tls?.privateKeyPath == directory.path + "/key.pem")
        #expect(try DockerHost.resolve(flag: nil, environment: environment.merging(["DOCKER_TLS_VERIFY": "0"]) { $1 }).tls == nil)

        let tls = try DockerTLSFiles(directory: directory.path)
        let error = #expect(throws: DockerHostError.self) { try DockerHost(parsing: "unix:///run/docker.sock", tls: tls) }
        #expect(error?.description.contains("only to a tcp://") == true)
    }

    @Test func anUnreachableDaemonIsAConnectionError() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-docker-none")
        let client = DockerClient(host: try DockerHost(parsing: "unix://\(directory.path)/none.sock"), timeout: 5)
        let error = #expect(throws: DockerError.self) { try client.ping() }
        #expect(error?.kind == .connection)
        #expect(error?.description.contains("cannot reach the Docker daemon") == true, "\(String(describing: error))")
    }
}
