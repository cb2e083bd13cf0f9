public import Foundation
internal import Glibc

/// A failed socket call in a test helper: the call and `errno`'s message.
public struct RawSocketError: Error, CustomStringConvertible {
    public let function: String
    public let code: Int32
    public var description: String { "\(function) failed: \(String(cString: strerror(code))) (errno \(code))" }
}

/// A blocking IPv4 TCP client socket for tests that must misbehave on the wire: stall mid-body,
/// send garbage, or read exactly what the server sends. Writes never raise SIGPIPE.
/// Not safe to share between threads.
public final class RawSocket {
    private let descriptor: Int32

    /// Connects to `host:port` (a numeric IPv4 address).
    public init(host: String = "127.0.0.1", port: UInt16) throws {
        descriptor = try RawSocket.connected(host: host, port: port)
    }

    deinit {
        close(descriptor)
    }

    /// Closes our sending side (a half-closed client): the peer reads EOF, we can still read.
    public func shutdownWrite() {
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Sends all of `data`; false when the peer closed or reset the connection.
    @discardableResult
    public func send(_ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = Glibc.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += sent
            }
            return true
        }
    }

    /// Sends `text` as UTF-8; false when the peer closed or reset the connection.
    @discardableResult
    public func send(_ text: String) -> Bool {
        send(Data(text.utf8))
    }

    /// What a read loop saw before it stopped.
    public struct ReadResult: Sendable {
        /// Every byte received.
        public let data: Data
        /// True when the peer closed (EOF) or reset the connection; false when the deadline passed.
        public let closed: Bool
        public var text: String { String(decoding: data, as: UTF8.self) }
    }

    /// Reads until the peer closes the connection, or until `timeout` seconds have passed.
    public func readUntilClosed(timeout: Double) -> ReadResult {
        readUntil(timeout: timeout) { _ in false }
    }

    /// Reads until `done(received)` is true, the peer closes, or `timeout` seconds have passed.
    public func readUntil(timeout: Double, _ done: (Data) -> Bool) -> ReadResult {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !done(received) {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return ReadResult(data: received, closed: false) }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining * 1000, 60_000).rounded(.up)))
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                return ReadResult(data: received, closed: true)
            }
        }
        return ReadResult(data: received, closed: false)
    }

    /// Whether connecting to `host:port` is refused right now (a connection that is accepted is
    /// closed again at once).
    public static func isRefused(host: String = "127.0.0.1", port: UInt16) -> Bool {
        do {
            close(try connected(host: host, port: port))
            return false
        } catch let error as RawSocketError {
            return error.code == ECONNREFUSED
        } catch {
            return false
        }
    }

    static func address(host: String, port: UInt16) throws -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw RawSocketError(function: "inet_pton(\(host))", code: EINVAL)
        }
        return address
    }

    private static func connected(host: String, port: UInt16) throws -> Int32 {
        var address = try address(host: host, port: port)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawSocketError(function: "socket", code: errno) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw RawSocketError(function: "connect", code: code)
        }
        return descriptor
    }
}

/// A TCP socket bound to a free loopback port, optionally listening without ever accepting.
/// Not listening: every connect is refused. Listening with a backlog of 0 and `fill()` called:
/// the accept queue is full, so further connection attempts hang until the client gives up.
/// Not safe to share between threads.
public final class TestPort {
    private let descriptor: Int32
    private var fillers: [RawSocket] = []
    /// The bound port.
    public let port: UInt16

    /// Binds `127.0.0.1:0`; listens with a backlog of 0 when `listening`.
    public init(listening: Bool) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawSocketError(function: "socket", code: errno) }
        self.descriptor = descriptor
        var address = try RawSocket.address(host: "127.0.0.1", port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(descriptor)
            throw RawSocketError(function: "bind", code: code)
        }
        port = UInt16(bigEndian: address.sin_port)
        if listening, listen(descriptor, 0) != 0 {
            let code = errno
            close(descriptor)
            throw RawSocketError(function: "listen", code: code)
        }
    }

    /// Fills the accept queue of a listening port (backlog 0 holds one connection) with a
    /// connection nobody accepts.
    public func fill() throws {
        fillers.append(try RawSocket(port: port))
    }

    deinit {
        fillers.removeAll()
        close(descriptor)
    }
}
