import Docker
import Foundation
import Testing
import TestSupport

/// `tcp://` with TLS client certificates, against a daemon run with `--tlsverify`.
@Suite(.dockerDaemonWithTLS)
struct TLSTests {
    @Test func aClientWithTheCertificatesReachesADaemonThatVerifiesThem() throws {
        let daemon = try DockerDaemon.current()
        let host = try #require(daemon.tlsHost)
        #expect(host.baseURL.hasPrefix("https://127.0.0.1:"))
        let client = DockerClient(host: host, timeout: 10)
        try client.ping()
        #expect(try client.checkAPIVersion().apiVersion == daemon.client.version().apiVersion)

        // The same address as DOCKER_HOST with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.
        let resolved = try DockerHost.resolve(flag: nil, environment: [
            "DOCKER_HOST": host.description.replacingOccurrences(of: " (TLS)", with: ""),
            "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": daemon.certificateDirectory,
        ])
        #expect(resolved == host)
    }

    @Test func withoutAClientCertificateOrOverPlainHTTPTheDaemonIsNotReached() throws {
        let daemon = try DockerDaemon.current()
        let host = try #require(daemon.tlsHost)
        guard case .tcp(_, let port) = host.endpoint else { Issue.record("not tcp: \(host)"); return }
        let plain = DockerClient(host: try DockerHost(parsing: "tcp://127.0.0.1:\(port)"), timeout: 10)
        let error = #expect(throws: DockerError.self) { try plain.ping() }
        #expect(error?.kind == .daemon || error?.kind == .connection, "\(String(describing: error))")

        // A CA that did not sign the daemon's certificate: the client refuses the server.
        let other = try TemporaryDirectory(prefix: "slipway-docker-otherca")
        let certs = daemon.certificateDirectory
        try FileManager.default.copyItem(atPath: certs + "/cert.pem", toPath: other.child("cert.pem"))
        try FileManager.default.copyItem(atPath: certs + "/key.pem", toPath: other.child("key.pem"))
        try FileManager.default.copyItem(atPath: certs + "/client.csr", toPath: other.child("unused.csr"))
        _ = try Command.check("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                          "-keyout", other.child("ca-key.pem"), "-out", other.child("ca.pem"), "-days", "1", "-subj", "/CN=other"])
        let untrusting = DockerClient(host: try DockerHost(parsing: "tcp://127.0.0.1:\(port)", tls: DockerTLSFiles(directory: other.path)), timeout: 10)
        let refused = #expect(throws: DockerError.self) { try untrusting.ping() }
        #expect(refused?.kind == .connection, "\(String(describing: refused))")
    }
}
