import Foundation
import HTTPServer
import HTTPTypes
import TestSupport
import Testing

/// A raw HTTP/1.1 client that declares its body and asks for `100 Continue` first, as a careful
/// client does: the server can refuse it before any body is sent.
struct ExpectingClient {
    let socket: RawSocket

    init(port: UInt16) throws {
        socket = try RawSocket(port: port)
    }

    /// Sends the headers of a POST with a `bodySize`-byte body; returns the first thing the server
    /// answers: `100` (go on) or a final response's text.
    func announce(bodySize: Int) -> (status: Int, text: String) {
        socket.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: \(bodySize)\r\nExpect: 100-continue\r\n\r\n")
        let result = socket.readUntil(timeout: 20) { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }
        return (Self.status(result.text), result.text)
    }

    /// Sends the body and reads the final response up to its end.
    func sendBody(_ body: Data) -> (status: Int, text: String) {
        socket.send(body)
        let result = socket.readUntil(timeout: 20) { data in
            guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { return false }
            let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            return data.count - end.upperBound >= length
        }
        return (Self.status(result.text), result.text)
    }

    static func status(_ text: String) -> Int {
        let parts = text.split(separator: " ", maxSplits: 2)
        return parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    }
}

@Suite("Memory bound before authentication")
struct MemoryBoundTests {
    static let quarter = 256 * 1024

    @Test("bodies past the budget for bodies in flight get 503 with Retry-After; others are unaffected")
    func budget() throws {
        let configuration = HTTPServer.Configuration(maxBodySize: 512 * 1024, maxBufferedBodyBytes: 4 * Self.quarter)
        try withServer(configuration) { server throws in
            // Four requests hold the whole budget: each announced its body and was told to go on.
            let holders = try (0..<4).map { _ in try ExpectingClient(port: server.port) }
            for holder in holders {
                let answer = holder.announce(bodySize: Self.quarter)
                try #require(answer.status == 100, "got: \(answer.text)")
            }
            #expect(server.bufferedBodyBytes.now == 4 * Self.quarter)

            // A fifth is refused before its body is read, and so is a small one.
            for size in [Self.quarter, 10] {
                let refused = try ExpectingClient(port: server.port)
                let answer = refused.announce(bodySize: size)
                #expect(answer.status == 503, "got: \(answer.text)")
                #expect(answer.text.lowercased().contains("retry-after: 1"))
                #expect(answer.text.lowercased().contains("connection: close"))
                #expect(refused.socket.readUntilClosed(timeout: 10).closed)
            }
            // Requests without a body pass.
            #expect(try get(server.url("/hello")).status == 200)

            // The holders finish; their bytes return to the budget and a big body fits again.
            for (index, holder) in holders.enumerated() {
                let body = Data(repeating: UInt8(index), count: Self.quarter)
                let answer = holder.sendBody(body)
                #expect(answer.status == 200, "holder \(index): \(answer.text.prefix(200))")
                #expect(answer.text.contains("X-Body-Length: \(Self.quarter)"))
            }
            #expect(server.bufferedBodyBytes.now == 0)
            let body = Data(repeating: 7, count: 2 * Self.quarter)
            let response = try send("POST", server.url("/echo"), body: body)
            #expect(response.status == 200)
            #expect(response.body == body)
            #expect(server.bufferedBodyBytes.peak == 4 * Self.quarter)
        }
    }

    @Test("a chunked body that outgrows the budget is dropped as it arrives and answered 503")
    func chunkedOverBudget() throws {
        let configuration = HTTPServer.Configuration(maxBodySize: 1 << 20, maxBufferedBodyBytes: 64 * 1024)
        try withServer(configuration) { server throws in
            let socket = try RawSocket(port: server.port)
            let chunk = "4000\r\n" + String(repeating: "c", count: 0x4000) + "\r\n"
            socket.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: chunk, count: 8) + "0\r\n\r\n")
            let result = socket.readUntilClosed(timeout: 10)
            #expect(result.text.hasPrefix("HTTP/1.1 503"), "got: \(result.text.prefix(200))")
            #expect(result.text.lowercased().contains("retry-after: 1"))
            #expect(result.closed)
            #expect(server.bufferedBodyBytes.now == 0)
            #expect(server.bufferedBodyBytes.peak <= 64 * 1024)
            // A chunked body that fits is still read in full.
            let small = try RawSocket(port: server.port)
            small.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + String(repeating: chunk, count: 2) + "0\r\n\r\n")
            let answer = small.readUntilClosed(timeout: 10)
            #expect(answer.text.hasPrefix("HTTP/1.1 200"), "got: \(answer.text.prefix(200))")
            #expect(answer.text.contains("X-Body-Length: 32768"))
        }
    }

    @Test("many concurrent large bodies are each answered 200 or 503, and never more than the budget is buffered")
    func concurrentLargeBodies() throws {
        let budget = 4 * Self.quarter
        let configuration = HTTPServer.Configuration(maxBodySize: 512 * 1024, workerThreads: 2, maxBufferedBodyBytes: budget)
        try withServer(configuration) { server throws in
            let outcomes = Collected<String>()
            runOnThreads(16, iterations: 96) { index in
                do {
                    let client = try ExpectingClient(port: server.port)
                    let answer = client.announce(bodySize: Self.quarter)
                    switch answer.status {
                    case 503:
                        outcomes.append("503")
                    case 100:
                        let body = Data(repeating: UInt8(truncatingIfNeeded: index), count: Self.quarter)
                        let final = client.sendBody(body)
                        outcomes.append(final.status == 200 && final.text.contains("X-Body-Length: \(Self.quarter)") ? "200" : "bad: \(final.text.prefix(100))")
                    default:
                        outcomes.append("bad: \(answer.text.prefix(100))")
                    }
                } catch {
                    outcomes.append("bad: \(error)")
                }
            }
            let all = outcomes.all
            #expect(all.count == 96)
            #expect(all.allSatisfy { $0 == "200" || $0 == "503" }, "\(all.filter { $0.hasPrefix("bad") }.prefix(3))")
            #expect(all.contains("200"))
            #expect(server.bufferedBodyBytes.peak <= budget)
            #expect(server.bufferedBodyBytes.peak >= Self.quarter)
            #expect(server.bufferedBodyBytes.now == 0)
        }
    }

    @Test("connections from one IP address past the per-IP limit are closed at once")
    func perIPLimit() throws {
        try withServer(HTTPServer.Configuration(workerThreads: 2, maxConnectionsPerIP: 3)) { server throws in
            // Three keep-alive connections, each proven served before the next opens.
            var open: [RawSocket] = []
            for _ in 0..<3 {
                let socket = try RawSocket(port: server.port)
                socket.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n")
                let answer = socket.readUntil(timeout: 10) { String(decoding: $0, as: UTF8.self).hasSuffix("hello\n") }
                try #require(answer.text.hasPrefix("HTTP/1.1 200"), "got: \(answer.text)")
                open.append(socket)
            }
            let extra = try RawSocket(port: server.port)
            extra.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n")
            let refused = extra.readUntilClosed(timeout: 10)
            #expect(refused.closed, "a fourth connection from 127.0.0.1 was kept open")
            #expect(refused.data.isEmpty, "a fourth connection was served: \(refused.text)")
            // The open ones still work.
            open[0].send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(open[0].readUntil(timeout: 10) { String(decoding: $0, as: UTF8.self).hasSuffix("hello\n") }.text.hasPrefix("HTTP/1.1 200"))
            // Once one closes, the server notices and takes a new connection again.
            open.removeLast()
            try Eventually.wait(for: "a connection slot to be free again") {
                let socket = try RawSocket(port: server.port)
                socket.send("GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                return socket.readUntilClosed(timeout: 10).text.hasPrefix("HTTP/1.1 200")
            }
        }
    }

    @Test("the limits have sensible defaults and invalid ones are refused")
    func defaults() {
        let configuration = HTTPServer.Configuration()
        #expect(configuration.maxBufferedBodyBytes == 64 * 1024 * 1024)
        #expect(configuration.maxConnectionsPerIP == 64)
        let server = HTTPServer(configuration: HTTPServer.Configuration(maxConnectionsPerIP: 0)) { _ in HTTPResponse() }
        #expect(throws: HTTPServerError.self) { try server.start() }
    }
}
