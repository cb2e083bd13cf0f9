import Foundation
import HTTPClient
import HTTPServer
import HTTPTypes

/// Starts a server on a free loopback port, runs `body` with it, and stops it.
func withServer<T>(
    _ configuration: HTTPServer.Configuration = HTTPServer.Configuration(),
    handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse = echoRouter.handler,
    _ body: (HTTPServer) throws -> T
) throws -> T {
    let server = HTTPServer(configuration: configuration, handler: handler)
    try server.start()
    defer { server.stop() }
    return try body(server)
}

extension HTTPServer {
    /// `http://127.0.0.1:<port><path>`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
}

/// Sends one request with a fresh client (blocking).
func send(_ method: String, _ url: String, headers: HTTPHeaders = [:], body: Data? = nil) throws -> HTTPClientResponse {
    try HTTPClient().send(HTTPClientRequest(method: method, url: url, headers: headers, body: body, timeout: 20))
}

/// Sends one GET with a fresh client (blocking).
func get(_ url: String, headers: HTTPHeaders = [:]) throws -> HTTPClientResponse {
    try send("GET", url, headers: headers)
}

/// The routes most tests talk to.
let echoRouter: Router = {
    var router = Router()
    router.post("/echo") { request in
        var response = HTTPResponse(status: 200, body: request.body, contentType: request.headers["Content-Type"] ?? "application/octet-stream")
        response.headers.add("X-Method", request.method)
        response.headers.add("X-Body-Length", String(request.body.count))
        return response
    }
    router.get("/hello") { _ in HTTPResponse(body: "hello\n") }
    router.get("/repos/:owner/:repo/issues/:number/comments") { request in
        HTTPResponse.json(request.pathParameters)
    }
    router.get("/query") { request in
        HTTPResponse.jsonObject(request.queryItems.map { [$0.name, $0.value ?? "<nil>"] } + [["raw", request.query ?? "<nil>"]])
    }
    router.get("/headers") { request in
        HTTPResponse(body: request.headers.values(for: "x-multi").joined(separator: "|"))
    }
    router.get("/remote") { request in
        HTTPResponse(body: request.remoteAddress ?? "<nil>")
    }
    return router
}()

/// Runs `work(index)` for every index in `0..<iterations` on `threads` dedicated threads (not the
/// cooperative pool), and waits for all of them.
func runOnThreads(_ threads: Int, iterations: Int, _ work: @escaping @Sendable (Int) -> Void) {
    let next = NSLock()
    nonisolated(unsafe) var counter = 0
    let group = DispatchGroup()
    for _ in 0..<threads {
        group.enter()
        let thread = Thread {
            while true {
                next.lock()
                let index = counter
                counter += 1
                next.unlock()
                if index >= iterations { break }
                work(index)
            }
            group.leave()
        }
        thread.start()
    }
    group.wait()
}

/// Thread-safe collection of results from worker threads.
final class Collected<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value] = []

    func append(_ value: Value) {
        lock.lock()
        values.append(value)
        lock.unlock()
    }

    var all: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}
