import Foundation
import HTTPClient
import HTTPServer
import HTTPTypes
import Router
import Runner
import SlipwayCore
import Synchronization
import TestSupport

/// A tiny upstream app: a real HTTP server on loopback that answers every request with `body`.
final class Upstream: Sendable {
    let server: HTTPServer
    let body: String

    init(_ body: String) throws {
        self.body = body
        server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, shutdownTimeout: 5)) { _ in
            HTTPResponse(status: 200, body: body)
        }
        try server.start()
    }

    var address: String { "127.0.0.1:\(server.port)" }

    func stop() { server.stop() }
}

/// A private Caddy, Slipway's listener on a free loopback port, and a client that reaches
/// `<host>:<port>` at 127.0.0.1 (like `curl --resolve`) trusting Caddy's local CA.
struct RouterHarness {
    let caddy: CaddyServer
    let listenPort: Int
    let client = HTTPClient()

    static let domain = "preview.test"

    init(operatorApps: [String: Any] = [:], adminSocket: Bool = false) throws {
        caddy = try CaddyServer.start(operatorApps: operatorApps, adminSocket: adminSocket)
        listenPort = try CaddyServer.freePort()
    }

    func configuration(tls: CaddyTLS = .internalCA, auth: PreviewCredentials? = nil) throws -> CaddyRouter.Configuration {
        CaddyRouter.Configuration(admin: try CaddyAdminEndpoint(parsing: caddy.adminURL), previewDomain: Self.domain,
                                  listen: "127.0.0.1:\(listenPort)", tls: tls, previewAuth: auth, timeout: 20)
    }

    func router(tls: CaddyTLS = .internalCA, auth: PreviewCredentials? = nil) throws -> CaddyRouter {
        try CaddyRouter(configuration: configuration(tls: tls, auth: auth))
    }

    /// `GET https://<host>:<port><path>` through Caddy, trusting `caCertificate` (default Caddy's
    /// local root, waited for until Caddy made it).
    func get(_ host: String, path: String = "/", headers: HTTPHeaders = HTTPHeaders(), caCertificate: String? = nil,
             timeout: Double = 10) throws -> HTTPClientResponse {
        let ca = try caCertificate ?? rootCertificate()
        return try client.send(HTTPClientRequest(
            url: "https://\(host):\(listenPort)\(path)", headers: headers, connectTimeout: timeout, timeout: timeout,
            tls: HTTPClientTLSFiles(caCertificatePath: ca), resolve: ["\(host):\(listenPort):127.0.0.1"]
        ))
    }

    func rootCertificate() throws -> String {
        let path = caddy.rootCertificatePath
        try Eventually.wait(for: "Caddy's local CA root at \(path)", timeout: 20, interval: 0.02) {
            FileManager.default.fileExists(atPath: path)
        }
        return path
    }

    static func preview(_ name: String, _ upstreams: Upstream...) -> EnvironmentRoute {
        EnvironmentRoute(environment: name, kind: .preview, upstreams: upstreams.map(\.address))
    }
}

/// Counts requests and failures of a client loop running on its own thread until stopped.
final class ClientLoop: Sendable {
    struct Tally: Sendable {
        var requests = 0
        var failures: [String] = []
        var bodies: [String: Int] = [:]
    }

    private let tally = Mutex(Tally())
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Bool>(false)

    init(_ request: @escaping @Sendable () throws -> HTTPClientResponse) {
        Thread { [self] in
            while running.load(ordering: .acquiring) {
                let outcome = Result { try request() }
                tally.withLock { tally in
                    tally.requests += 1
                    switch outcome {
                    case .success(let response) where response.status == 200:
                        tally.bodies[response.bodyText ?? "", default: 0] += 1
                    case .success(let response):
                        tally.failures.append("status \(response.status): \(response.bodyText ?? "")")
                    case .failure(let error):
                        tally.failures.append("\(error)")
                    }
                }
            }
            finished.store(true, ordering: .releasing)
        }.start()
    }

    var current: Tally { tally.withLock { $0 } }

    /// Stops the loop and waits for its last request.
    func stop() throws -> Tally {
        running.store(false, ordering: .releasing)
        try Eventually.wait(for: "the client loop to finish", timeout: 30) { finished.load(ordering: .acquiring) }
        return current
    }
}
