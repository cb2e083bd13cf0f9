import Foundation
import HTTPClient
import HTTPServer
import HTTPTypes
import Runner
import SlipwayCore

/// A small real router for runner tests: an HTTP server on loopback that proxies
/// `/<environment>/<path>` to the environment's current upstream (round robin over several),
/// so a client loop sees exactly what a reviewer behind Caddy would. It records every call, and
/// whether the previous upstream still answered when a route moved (the old version must be
/// retired only after the switch).
final class ProxyRouter: EnvironmentRouter, @unchecked Sendable {
    private let lock = NSLock()
    private var routes: [String: EnvironmentRoute] = [:]
    private var calls: [String] = []
    private var previousServing: [Bool] = []
    private var counter = 0
    /// Makes `route` fail (the router is down).
    var failing = false
    private var server: HTTPServer!

    init() throws {
        server = HTTPServer { [weak self] request in
            self?.proxy(request) ?? HTTPResponse(status: 502, body: "router gone")
        }
        try server.start()
    }

    deinit { server.stop() }

    var base: String { "http://127.0.0.1:\(server.port)" }

    func publicURL(environment: String, kind: EnvironmentKind, host: String?) -> String {
        "\(base)/\(host ?? environment)"
    }

    func route(_ route: EnvironmentRoute) throws -> String {
        lock.lock()
        let shouldFail = failing
        let previous = routes[route.environment]
        lock.unlock()
        if shouldFail { throw RunnerError("the router is down") }
        // The old version must still serve when the route moves.
        let answered = previous.map { old in old.upstreams.allSatisfy { Self.answers("http://\($0)/") } }
        lock.lock()
        routes[route.environment] = route
        calls.append("route \(route.environment) \(route.upstreams.joined(separator: ","))")
        if let answered { previousServing.append(answered) }
        lock.unlock()
        return publicURL(environment: route.environment, kind: route.kind, host: route.host)
    }

    func remove(environment: String) throws {
        lock.lock()
        routes[environment] = nil
        calls.append("remove \(environment)")
        lock.unlock()
    }

    func sync(_ routes: [EnvironmentRoute]) throws {
        lock.lock()
        self.routes = Dictionary(routes.map { ($0.environment, $0) }, uniquingKeysWith: { $1 })
        calls.append("sync " + routes.map(\.environment).sorted().joined(separator: ","))
        lock.unlock()
    }

    func allowsCertificate(for host: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return routes.values.contains { ($0.host ?? $0.environment) == host }
    }

    /// What was called, in order (`route env upstreams`, `remove env`, `sync envs`).
    var history: [String] {
        lock.lock()
        defer { lock.unlock() }
        return calls
    }

    /// For each route that replaced another: whether the replaced upstreams still answered.
    var previousStillServedAtSwitch: [Bool] {
        lock.lock()
        defer { lock.unlock() }
        return previousServing
    }

    func upstreams(_ environment: String) -> [String]? {
        lock.lock()
        defer { lock.unlock() }
        return routes[environment]?.upstreams
    }

    private func proxy(_ request: HTTPRequest) -> HTTPResponse {
        let trimmed = request.path.dropFirst()
        let name = String(trimmed.prefix { $0 != "/" })
        let rest = trimmed.dropFirst(name.count)
        lock.lock()
        let route = routes[name]
        counter += 1
        let turn = counter
        lock.unlock()
        guard let route, !route.upstreams.isEmpty else { return HTTPResponse(status: 404, body: "no route for \(name)\n") }
        let upstream = route.upstreams[turn % route.upstreams.count]
        do {
            let response = try HTTPClient().send(HTTPClientRequest(url: "http://\(upstream)\(rest.isEmpty ? "/" : String(rest))",
                                                                   connectTimeout: 1, timeout: 3))
            return HTTPResponse(status: response.status, body: response.body, contentType: "text/plain")
        } catch {
            return HTTPResponse(status: 502, body: "upstream \(upstream) (route \(route.upstreams), now \(self.upstreams(name) ?? [])): \(error)\n")
        }
    }

    static func answers(_ url: String) -> Bool {
        (try? HTTPClient().send(HTTPClientRequest(url: url, connectTimeout: 1, timeout: 2))) != nil
    }
}
