import Foundation
import HTTPClient
import HTTPServer
import HTTPTypes
import TestSupport
import Testing

@Suite("Starting and stopping")
struct LifecycleTests {
    @Test("stop() lets an in-flight request finish and refuses new connections")
    func gracefulStop() throws {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let server = HTTPServer { _ in
            entered.signal()
            release.wait()
            return HTTPResponse(body: "finished")
        }
        try server.start()
        let port = server.port
        let url = server.url("/slow")

        let outcome = Collected<Result<HTTPClientResponse, any Error>>()
        let clientDone = DispatchSemaphore(value: 0)
        Thread {
            outcome.append(Result { try HTTPClient().send(HTTPClientRequest(url: url, timeout: 30)) })
            clientDone.signal()
        }.start()
        try #require(entered.wait(timeout: .now() + 10) == .success, "the handler never ran")

        let stopDone = DispatchSemaphore(value: 0)
        Thread {
            server.stop()
            stopDone.signal()
        }.start()

        // Poll (with a deadline) until the stopping server refuses connections.
        let deadline = Date(timeIntervalSinceNow: 10)
        var refused = false
        while Date() < deadline {
            if RawSocket.isRefused(port: port) {
                refused = true
                break
            }
            usleep(2_000)
        }
        #expect(refused, "new connections were still accepted after stop() began")
        #expect(stopDone.wait(timeout: .now()) == .timedOut, "stop() returned before the in-flight request finished")
        #expect(clientDone.wait(timeout: .now()) == .timedOut)

        release.signal()
        try #require(clientDone.wait(timeout: .now() + 10) == .success, "the in-flight request never completed")
        let response = try #require(try outcome.all.first?.get())
        #expect(response.status == 200)
        #expect(response.bodyText == "finished")
        #expect(response.headers["Connection"] == "close")

        #expect(stopDone.wait(timeout: .now() + 10) == .success, "stop() did not return")
        #expect(RawSocket.isRefused(port: port))
        #expect(throws: HTTPClientError.self) { try HTTPClient().send(HTTPClientRequest(url: url, timeout: 5)) }
    }

    @Test("stop() is idempotent and a stopped server cannot be restarted")
    func stopTwice() throws {
        let server = HTTPServer(router: echoRouter)
        server.stop()  // never started: nothing to do
        let fresh = HTTPServer(router: echoRouter)
        try fresh.start()
        #expect(try get(fresh.url("/hello")).status == 200)
        fresh.stop()
        fresh.stop()
        #expect(throws: HTTPServerError.self) { try fresh.start() }
    }

    @Test("starting on a port already in use fails with the system's reason")
    func portInUse() throws {
        try withServer { server throws in
            let second = HTTPServer(configuration: HTTPServer.Configuration(port: server.port), router: echoRouter)
            let error = try #require(throws: HTTPServerError.self) { try second.start() }
            #expect(error.function == "MHD_start_daemon")
            #expect(error.code == EADDRINUSE, "\(error)")
        }
    }

    @Test("a host that is not a numeric address is rejected")
    func badHost() throws {
        let server = HTTPServer(configuration: HTTPServer.Configuration(host: "localhost.invalid"), router: echoRouter)
        #expect(throws: HTTPServerError.self) { try server.start() }
    }

    @Test("the server listens on IPv6 loopback too")
    func ipv6() throws {
        try withServer(HTTPServer.Configuration(host: "::1")) { server throws in
            let response = try HTTPClient().send(HTTPClientRequest(url: "http://[::1]:\(server.port)/remote"))
            #expect(response.bodyText == "::1")
        }
    }
}
