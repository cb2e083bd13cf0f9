import Foundation
import HTTPClient
import HTTPServer
import HTTPTypes
import TestSupport
import Testing

@Suite("Limits and misbehaving clients")
struct RobustnessTests {
    @Test("a declared Content-Length over the limit is answered 413 before any body is sent")
    func declaredLengthOverLimit() throws {
        try withServer(HTTPServer.Configuration(maxBodySize: 1024)) { server throws in
            let socket = try RawSocket(port: server.port)
            // Headers only: the body is never sent, so a 413 can only come from the headers.
            socket.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 104857600\r\n\r\n")
            let result = socket.readUntilClosed(timeout: 10)
            #expect(result.text.hasPrefix("HTTP/1.1 413"), "got: \(result.text)")
            #expect(result.text.lowercased().contains("connection: close"))
            #expect(result.closed, "the server must close the connection instead of reading the body")
            #expect(try get(server.url("/hello")).status == 200)
        }
    }

    @Test("a declared Content-Length at the limit is accepted")
    func declaredLengthAtLimit() throws {
        try withServer(HTTPServer.Configuration(maxBodySize: 1024)) { server throws in
            let body = Data(repeating: 0x61, count: 1024)
            let response = try send("POST", server.url("/echo"), body: body)
            #expect(response.status == 200)
            #expect(response.body == body)
        }
    }

    @Test("a chunked body that grows past the limit is answered 413 and the connection closed")
    func chunkedOverLimit() throws {
        try withServer(HTTPServer.Configuration(maxBodySize: 1024)) { server throws in
            let socket = try RawSocket(port: server.port)
            let chunk = "200\r\n" + String(repeating: "b", count: 512) + "\r\n"
            socket.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: chunk, count: 3) + "0\r\n\r\n")
            let result = socket.readUntilClosed(timeout: 10)
            #expect(result.text.hasPrefix("HTTP/1.1 413"), "got: \(result.text)")
            #expect(result.text.lowercased().contains("connection: close"))
            #expect(result.closed)
            #expect(try get(server.url("/hello")).status == 200)
        }
    }

    @Test("a chunked body that never ends is cut off once it reaches twice the limit")
    func endlessChunkedBody() throws {
        try withServer(HTTPServer.Configuration(maxBodySize: 1024)) { server throws in
            let socket = try RawSocket(port: server.port)
            let chunk = "200\r\n" + String(repeating: "b", count: 512) + "\r\n"
            socket.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
            var sent = 0
            // Keep streaming (never the final chunk) until the server gives up on us.
            while sent < 1 << 20, socket.send(chunk) { sent += 512 }
            let result = socket.readUntilClosed(timeout: 10)
            #expect(result.closed, "the server kept reading an endless body")
            #expect(!result.text.contains("200 OK"))
            #expect(try get(server.url("/hello")).status == 200)
        }
    }

    @Test("a client that stalls mid-body is dropped after the connection timeout")
    func stalledClient() throws {
        try withServer(HTTPServer.Configuration(connectionTimeout: 1)) { server throws in
            let socket = try RawSocket(port: server.port)
            let started = Date()
            socket.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "x", count: 500))
            let result = socket.readUntilClosed(timeout: 15)
            let elapsed = Date().timeIntervalSince(started)
            #expect(result.closed, "the stalled connection was not dropped within 15 s")
            #expect(elapsed >= 0.5, "dropped after \(elapsed) s, before the timeout")
            #expect(!result.text.contains("200 OK"))
            #expect(try get(server.url("/hello")).bodyText == "hello\n")
        }
    }

    @Test("a malformed request line is answered with an error or closed, and the server keeps serving")
    func malformedRequestLine() throws {
        try withServer { server throws in
            for garbage in ["GARBAGE\r\n\r\n", "GET\r\n\r\n", "\u{1}\u{2}\u{3} / HTTP/9.9\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n"] {
                let socket = try RawSocket(port: server.port)
                socket.send(garbage)
                let result = socket.readUntilClosed(timeout: 10)
                #expect(result.closed, "no answer to \(garbage.debugDescription): \(result.text)")
                if !result.data.isEmpty {
                    #expect(result.text.hasPrefix("HTTP/1.1 4") || result.text.hasPrefix("HTTP/1.1 5") || result.text.hasPrefix("HTTP/1.0 4"),
                            "answer to \(garbage.debugDescription): \(result.text)")
                }
            }
            #expect(try get(server.url("/hello")).status == 200)
        }
    }

    @Test("a 64 KB header is refused and the server keeps serving")
    func hugeHeader() throws {
        try withServer { server throws in
            let socket = try RawSocket(port: server.port)
            socket.send("GET /hello HTTP/1.1\r\nHost: test\r\nX-Huge: " + String(repeating: "h", count: 64 * 1024) + "\r\n\r\n")
            let result = socket.readUntilClosed(timeout: 10)
            #expect(result.closed)
            #expect(!result.text.hasPrefix("HTTP/1.1 200"), "a 64 KB header was accepted")
            if !result.data.isEmpty {
                #expect(result.text.hasPrefix("HTTP/1.1 4"), "got: \(result.text.prefix(200))")
            }
            #expect(try get(server.url("/hello")).status == 200)
        }
    }

    @Test("200 concurrent requests from 20 threads are all answered correctly")
    func concurrentRequests() throws {
        try withServer { server throws in
            let client = HTTPClient()
            let url = server.url("/echo")
            let failures = Collected<String>()
            runOnThreads(20, iterations: 200) { index in
                let body = Data("request \(index) ".utf8 + (0..<(index * 37)).map { UInt8(truncatingIfNeeded: $0) })
                do {
                    let response = try client.send(HTTPClientRequest(method: "POST", url: url, body: body, timeout: 30))
                    if response.status != 200 || response.body != body {
                        failures.append("request \(index): status \(response.status), \(response.body.count) bytes")
                    }
                } catch {
                    failures.append("request \(index): \(error)")
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all.count) failures, first: \(failures.all.prefix(3))")
        }
    }
}
