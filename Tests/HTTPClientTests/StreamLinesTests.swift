import Foundation
import Glibc
import HTTPClient
import HTTPServer
import HTTPTypes
import TestSupport
import Testing

@Suite("HTTP client: line streaming and Unix sockets")
struct StreamLinesTests {
    let client = HTTPClient()

    @Test("a 2xx body is handed over line by line, CRLF or LF, the last line without an end too")
    func linesOfASuccessfulResponse() throws {
        try withServer(handler: { _ in HTTPResponse(status: 200, body: "one\ntwo\r\n\nthree") }) { base in
            var lines: [String] = []
            let response = try client.streamLines(HTTPClientRequest(url: base + "/stream")) { lines.append($0) }
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(lines == ["one", "two", "", "three"])
        }
    }

    @Test("an error status is not streamed: its body is collected for the caller to read")
    func errorBodyCollected() throws {
        try withServer(handler: { _ in HTTPResponse(status: 404, body: #"{"message":"no such image"}"#) }) { base in
            var lines: [String] = []
            let response = try client.streamLines(HTTPClientRequest(url: base + "/x")) { lines.append($0) }
            #expect(response.status == 404)
            #expect(response.bodyText == #"{"message":"no such image"}"#)
            #expect(lines.isEmpty)
        }
    }

    @Test("the size limit bounds one line, not the whole streamed body")
    func lineLimit() throws {
        let many = String(repeating: "0123456789\n", count: 1000)
        try withServer(handler: { request in
            HTTPResponse(status: 200, body: request.path == "/long" ? String(repeating: "x", count: 500) + "\n" : many)
        }) { base in
            var count = 0
            _ = try client.streamLines(HTTPClientRequest(url: base + "/many", maxResponseBytes: 100)) { _ in count += 1 }
            #expect(count == 1000)
            let error = try #require(throws: HTTPClientError.self) {
                try client.streamLines(HTTPClientRequest(url: base + "/long", maxResponseBytes: 100)) { _ in }
            }
            #expect(error.responseLimit == 100)
            #expect(error.message.contains("a line of the streamed response body"), "\(error)")
        }
    }

    @Test("an error thrown by the line handler stops the transfer and is rethrown")
    func handlerErrorStops() throws {
        struct Enough: Error {}
        try withServer(handler: { _ in HTTPResponse(status: 200, body: "a\nb\nc\n") }) { base in
            var lines: [String] = []
            #expect(throws: Enough.self) {
                try client.streamLines(HTTPClientRequest(url: base + "/s")) { line in
                    lines.append(line)
                    if line == "b" { throw Enough() }
                }
            }
            #expect(lines == ["a", "b"])
        }
    }

    @Test("a request with a Unix socket path goes to that socket, with the URL's path")
    func unixSocket() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-unix")
        let server = try UnixSocketServer(path: directory.child("api.sock"), response: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK")
        let response = try client.send(HTTPClientRequest(url: "http://docker/v1.41/_ping", unixSocketPath: server.path))
        #expect(response.status == 200)
        #expect(response.bodyText == "OK")
        #expect(server.requestHead().hasPrefix("GET /v1.41/_ping HTTP/1.1\r\n"))
        #expect(server.requestHead().contains("Host: docker\r\n"))

        let missing = try #require(throws: HTTPClientError.self) {
            try client.send(HTTPClientRequest(url: "http://docker/_ping", unixSocketPath: directory.child("none.sock")))
        }
        #expect(missing.isConnectionFailure, "\(missing)")
    }
}

/// Accepts one connection on a Unix socket, reads the request head and answers `response`.
final class UnixSocketServer: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private let done = DispatchSemaphore(value: 0)
    private var head = ""

    init(path: String, response: String) throws {
        self.path = path
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
        guard bound, listen(listener, 1) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        let thread = Thread { [self] in
            defer { done.signal() }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var received = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !received.suffix(4).elementsEqual("\r\n\r\n".utf8) {
                let count = read(connection, &buffer, buffer.count)
                guard count > 0 else { break }
                received += buffer[0..<count]
            }
            head = String(decoding: received, as: UTF8.self)
            _ = Array(response.utf8).withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
        }
        thread.start()
    }

    /// The request head the client sent (waits for the exchange to end).
    func requestHead() -> String {
        done.wait()
        done.signal()
        return head
    }

    deinit {
        close(listener)
        unlink(path)
    }
}
