import Foundation
import Glibc
import HTTPClient
import HTTPTypes
import Testing

/// A one-connection loopback server that answers with a body of unknown length (no
/// `Content-Length`, closed to end it) and keeps streaming until the client goes away or `total`
/// bytes were sent. `bytesSent()` waits for it to finish and tells how much went out.
final class StreamingServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let done = DispatchSemaphore(value: 0)
    private var sent = 0

    init(total: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound, listen(descriptor, 1) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in
            serve(total: total)
            done.signal()
        }
        thread.start()
    }

    private func serve(total: Int) {
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        // Read the request head before answering.
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { return }
            request += buffer[0..<count]
        }
        let head = Array("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n".utf8)
        guard send(connection, head, head.count, Int32(MSG_NOSIGNAL)) == head.count else { return }
        let chunk = [UInt8](repeating: 0x78, count: 64 * 1024)
        while sent < total {
            let count = send(connection, chunk, min(chunk.count, total - sent), Int32(MSG_NOSIGNAL))
            if count <= 0 { return }
            sent += count
        }
    }

    /// Waits (up to 30 s) for the connection to end; the body bytes written, or nil on timeout.
    func bytesSent() -> Int? {
        done.wait(timeout: .now() + 30) == .success ? sent : nil
    }

    deinit {
        close(listener)
    }
}

@Suite("HTTP client response size cap")
struct ResponseLimitTests {
    let client = HTTPClient()

    @Test("a body streamed past maxResponseBytes aborts the transfer with an error naming the limit")
    func streamedPastLimit() throws {
        let server = try StreamingServer(total: 512 * 1024 * 1024)
        let limit = 1024 * 1024
        let error = try #require(throws: HTTPClientError.self) {
            try client.send(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/big", timeout: 60, maxResponseBytes: limit))
        }
        #expect(error.isResponseTooLarge)
        #expect(error.responseLimit == limit)
        #expect(!error.isTimeout && !error.isConnectionFailure)
        #expect(error.description.contains("larger than the limit of 1048576 bytes"), "\(error)")
        // The client hung up soon after the limit: the server could not push the rest.
        let sent = try #require(server.bytesSent(), "the streaming server never saw the client go away")
        #expect(sent < 64 * 1024 * 1024, "the server sent \(sent) bytes before the client stopped")
    }

    @Test("a declared Content-Length over the limit fails before the body is read")
    func declaredPastLimit() throws {
        let body = Data(repeating: 0x61, count: 300_000)
        try withServer(handler: { _ in HTTPResponse(status: 200, body: body, contentType: "application/octet-stream") }) { base in
            let error = try #require(throws: HTTPClientError.self) {
                try client.send(HTTPClientRequest(url: base + "/big", maxResponseBytes: 299_999))
            }
            #expect(error.responseLimit == 299_999)
            #expect(error.description.contains("299999"))
            // Exactly at the limit is fine, streamed or declared.
            let response = try client.send(HTTPClientRequest(url: base + "/big", maxResponseBytes: 300_000))
            #expect(response.body == body)
        }
        let server = try StreamingServer(total: 100_000)
        let response = try client.send(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/", maxResponseBytes: 100_000))
        #expect(response.body.count == 100_000)
    }

    @Test("the default limit is 16 MiB")
    func defaultLimit() {
        #expect(HTTPClientRequest(url: "http://x").maxResponseBytes == 16 * 1024 * 1024)
        #expect(HTTPClientRequest.defaultMaxResponseBytes == 16 * 1024 * 1024)
    }
}
