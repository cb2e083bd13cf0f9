import Foundation
import HTTPClient
import HTTPServer
import HTTPTypes
import TestSupport
import Testing

@Suite("HTTP client against a real server")
struct HTTPClientTests {
    let client = HTTPClient()

    @Test("a port nothing listens on is a connection failure, not a timeout")
    func connectionRefused() throws {
        let port = try TestPort(listening: false)
        let error = try #require(throws: HTTPClientError.self) {
            try client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port.port)/x"))
        }
        #expect(error.isConnectionFailure)
        #expect(!error.isTimeout)
        #expect(error.code == 7, "\(error)")
        #expect(error.description.contains("GET http://127.0.0.1:\(port.port)/x"))
    }

    @Test("a connection that cannot be established in time is a timeout and a connection failure")
    func connectTimeout() throws {
        let port = try TestPort(listening: true)
        try port.fill()
        let started = Date()
        let error = try #require(throws: HTTPClientError.self) {
            try client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port.port)/x", connectTimeout: 0.3, timeout: 10))
        }
        #expect(error.isTimeout, "\(error)")
        #expect(error.isConnectionFailure, "\(error)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("a handler slower than the total timeout is a timeout after connecting")
    func totalTimeout() throws {
        let release = DispatchSemaphore(value: 0)
        try withServer(handler: { _ in
            _ = release.wait(timeout: .now() + 30)
            return HTTPResponse(body: "late")
        }) { base in
            defer { release.signal() }
            let started = Date()
            let error = try #require(throws: HTTPClientError.self) {
                try client.send(HTTPClientRequest(url: base + "/slow", timeout: 0.5))
            }
            #expect(error.isTimeout, "\(error)")
            #expect(!error.isConnectionFailure, "\(error)")
            #expect(error.code == 28)
            #expect(Date().timeIntervalSince(started) < 10)
        }
    }

    @Test("a resolve entry sends a name's requests to a fixed address, keeping the name in Host; a malformed one is refused")
    func resolveEntries() throws {
        try withServer(handler: { request in
            HTTPResponse(status: 200, body: request.headers["Host"] ?? "-")
        }) { base in
            let port = base.split(separator: ":").last.map(String.init) ?? ""
            let response = try client.send(HTTPClientRequest(url: "http://app.invalid:\(port)/", resolve: ["app.invalid:\(port):127.0.0.1"]))
            #expect(response.bodyText == "app.invalid:\(port)")
            for bad in ["app.invalid:127.0.0.1", "-app.invalid:\(port)", "app.invalid:x:127.0.0.1", "app.invalid:\(port):127.0.0.1\nX: y"] {
                #expect(throws: HTTPClientError.self, "\(bad)") {
                    try client.send(HTTPClientRequest(url: "http://app.invalid:\(port)/", resolve: [bad]))
                }
            }
        }
    }

    @Test("repeated response headers are all kept and found under any spelling")
    func responseHeaders() throws {
        try withServer(handler: { _ in
            HTTPResponse(status: 200, headers: HTTPHeaders([
                ("Set-Cookie", "a=1"), ("X-Mixed-Case", "yes"), ("set-cookie", "b=2"), ("Link", "<x>; rel=\"next\""),
            ]), body: Data("ok".utf8))
        }) { base in
            let response = try client.send(HTTPClientRequest(url: base + "/"))
            #expect(response.status == 200)
            #expect(response.headers.values(for: "SET-COOKIE") == ["a=1", "b=2"])
            #expect(response.headers["x-mixed-case"] == "yes")
            #expect(response.headers["link"] == "<x>; rel=\"next\"")
            #expect(response.headers["Content-Length"] == "2")
            #expect(response.bodyText == "ok")
        }
    }

    @Test("POST, PUT, PATCH and DELETE send their bodies without asking for 100 Continue")
    func methodsWithBodies() throws {
        try withServer(handler: echo) { base in
            for method in ["POST", "PUT", "PATCH", "DELETE"] {
                let body = Data("\(method) body \u{e9}".utf8) + Data(repeating: 0, count: 3)
                let response = try client.send(HTTPClientRequest(
                    method: method, url: base + "/items/1", headers: ["Content-Type": "application/json"], body: body
                ))
                #expect(response.status == 200)
                #expect(response.headers["X-Method"] == method)
                #expect(response.headers["X-Path"] == "/items/1")
                #expect(response.headers["X-Request-Content-Type"] == "application/json")
                #expect(response.headers["X-Request-Expect"] == "<none>")
                #expect(response.body == body)
            }
            let bare = try client.send(HTTPClientRequest(method: "POST", url: base + "/bare", body: Data("x".utf8)))
            #expect(bare.headers["X-Request-Content-Type"] == "<none>", "libcurl's form content type leaked")
        }
    }

    @Test("a 204 arrives with no body")
    func noContent() throws {
        try withServer(handler: { _ in HTTPResponse(status: 204) }) { base in
            let response = try client.send(HTTPClientRequest(method: "DELETE", url: base + "/thing"))
            #expect(response.status == 204)
            #expect(response.body.isEmpty)
        }
    }

    @Test("a 5 MB body survives the round trip byte for byte")
    func largeBody() throws {
        var generator = SystemRandomNumberGenerator()
        let words = (0..<(5 * 1024 * 1024 / 8)).map { _ in generator.next() }
        let body = words.withUnsafeBytes { Data($0) }
        try withServer(handler: echo) { base in
            let response = try client.send(HTTPClientRequest(method: "PUT", url: base + "/blob", body: body))
            #expect(response.status == 200)
            #expect(response.body.count == body.count)
            #expect(response.body == body)
        }
    }

    @Test("redirects are returned, not followed")
    func noRedirects() throws {
        try withServer(handler: { request in
            request.path == "/old"
                ? HTTPResponse(status: 302, headers: ["Location": "/new"])
                : HTTPResponse(body: "new")
        }) { base in
            let response = try client.send(HTTPClientRequest(url: base + "/old"))
            #expect(response.status == 302)
            #expect(response.headers["Location"] == "/new")
            let followed = try HTTPClient(followRedirects: true).send(HTTPClientRequest(url: base + "/old"))
            #expect(followed.status == 200)
            #expect(followed.bodyText == "new")
            #expect(followed.headers["Location"] == nil, "headers of the redirect leaked into the final response")
        }
    }

    @Test("errors show neither URL credentials nor request headers")
    func secretsStayOutOfErrors() throws {
        let port = try TestPort(listening: false)
        let error = try #require(throws: HTTPClientError.self) {
            try client.send(HTTPClientRequest(
                method: "POST", url: "http://deploy:hunter2@127.0.0.1:\(port.port)/hook?x=1",
                headers: ["Authorization": "Bearer ghs_supersecret"], body: Data("{}".utf8)
            ))
        }
        #expect(error.url == "http://127.0.0.1:\(port.port)/hook?x=1")
        #expect(!error.description.contains("hunter2"))
        #expect(!error.description.contains("ghs_supersecret"))
        #expect(!"\(error)".contains("deploy:"))
    }

    @Test("a header value with a line break is refused without echoing it")
    func headerInjection() throws {
        let error = try #require(throws: HTTPClientError.self) {
            try client.send(HTTPClientRequest(url: "http://127.0.0.1:9/", headers: ["X-Token": "secret\r\nX-Evil: 1"]))
        }
        #expect(!error.description.contains("secret"))
        #expect(!error.isConnectionFailure)
    }

    @Test("only http and https URLs are allowed")
    func otherSchemes() throws {
        let error = try #require(throws: HTTPClientError.self) {
            try client.send(HTTPClientRequest(url: "file:///etc/passwd"))
        }
        #expect(error.code == 1, "\(error)")  // CURLE_UNSUPPORTED_PROTOCOL
    }

    @Test("one client serves many threads at once")
    func concurrentUse() throws {
        try withServer(handler: echo) { base in
            let failures = NSLock()
            nonisolated(unsafe) var failed: [String] = []
            let group = DispatchGroup()
            for thread in 0..<16 {
                group.enter()
                Thread {
                    for index in 0..<10 {
                        let body = Data("t\(thread)-\(index)".utf8)
                        do {
                            let response = try client.send(HTTPClientRequest(method: "POST", url: base + "/c", body: body))
                            if response.body != body { failures.withLock { failed.append("t\(thread)-\(index): wrong body") } }
                        } catch {
                            failures.withLock { failed.append("t\(thread)-\(index): \(error)") }
                        }
                    }
                    group.leave()
                }.start()
            }
            group.wait()
            #expect(failures.withLock { failed }.isEmpty)
        }
    }
}
