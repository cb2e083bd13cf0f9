import Foundation
import HTTPClient
import HTTPServer
import HTTPTypes
import TestSupport
import Testing

@Suite("Routing over real HTTP")
struct RoutingTests {
    @Test("a POST is answered 200 with its body echoed back")
    func echo() throws {
        try withServer { server throws in
            let response = try send("POST", server.url("/echo"), headers: ["Content-Type": "text/plain"], body: Data("ping".utf8))
            #expect(response.status == 200)
            #expect(response.bodyText == "ping")
            #expect(response.headers["content-type"] == "text/plain")
            #expect(response.headers["X-Method"] == "POST")
        }
    }

    @Test("path parameters reach the handler")
    func pathParameters() throws {
        try withServer { server throws in
            let response = try get(server.url("/repos/acme/web%20site/issues/42/comments"))
            #expect(response.status == 200)
            let decoded = try JSONDecoder().decode([String: String].self, from: response.body)
            #expect(decoded == ["owner": "acme", "repo": "web site", "number": "42"])
        }
    }

    @Test("an unknown path is answered 404")
    func notFound() throws {
        try withServer { server throws in
            #expect(try get(server.url("/nowhere")).status == 404)
            #expect(try get(server.url("/repos/acme/web/issues/42")).status == 404)
        }
    }

    @Test("a known path under another method is answered 405 with an Allow header")
    func methodNotAllowed() throws {
        try withServer { server throws in
            let response = try send("DELETE", server.url("/echo"))
            #expect(response.status == 405)
            #expect(response.headers["Allow"] == "POST")
            let get = try send("PUT", server.url("/hello"), body: Data("x".utf8))
            #expect(get.status == 405)
            #expect(get.headers["allow"] == "GET, HEAD")
        }
    }

    @Test("the query string is kept raw and parsed into decoded items")
    func query() throws {
        try withServer { server throws in
            let response = try get(server.url("/query?a=1&b=two%20words&a=3&flag&c=x+y"))
            #expect(response.status == 200)
            let items = try JSONDecoder().decode([[String]].self, from: response.body)
            #expect(items == [
                ["a", "1"], ["b", "two words"], ["a", "3"], ["flag", "<nil>"], ["c", "x y"],
                ["raw", "a=1&b=two%20words&a=3&flag&c=x+y"],
            ])
            let none = try JSONDecoder().decode([[String]].self, from: try get(server.url("/query")).body)
            #expect(none == [["raw", "<nil>"]])
        }
    }

    @Test("repeated request headers arrive in order under any spelling of the name")
    func multiValuedHeaders() throws {
        try withServer { server throws in
            let headers = HTTPHeaders([("X-Multi", "one"), ("x-other", "zzz"), ("x-multi", "two"), ("X-MULTI", "three")])
            let response = try get(server.url("/headers"), headers: headers)
            #expect(response.bodyText == "one|two|three")
        }
    }

    @Test("a binary body with every byte value survives the round trip")
    func binaryBody() throws {
        try withServer { server throws in
            let bytes = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) } + [0, 0, 13, 10, 0])
            let response = try send("POST", server.url("/echo"), body: bytes)
            #expect(response.status == 200)
            #expect(response.body == bytes)
            #expect(response.headers["X-Body-Length"] == String(bytes.count))
        }
    }

    @Test("the server reports its bound port and the client's address")
    func portAndRemoteAddress() throws {
        try withServer { server throws in
            #expect(server.port != 0)
            #expect(try get(server.url("/remote")).bodyText == "127.0.0.1")
        }
    }

    @Test("a chunked request body is accepted and reassembled")
    func chunkedBody() throws {
        try withServer { server throws in
            let socket = try RawSocket(port: server.port)
            socket.send(
                "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"
            )
            let result = socket.readUntilClosed(timeout: 10)
            #expect(result.closed)
            #expect(result.text.hasPrefix("HTTP/1.1 200"))
            #expect(result.text.hasSuffix("\r\n\r\nhello, world"))
        }
    }
}
