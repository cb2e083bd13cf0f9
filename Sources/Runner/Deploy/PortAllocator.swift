import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Hands out free loopback ports: asks the kernel for one (bind to port 0) and remembers what it
/// handed out, so two environments never get the same port while both hold it.
final class PortAllocator: @unchecked Sendable {
    private let lock = NSLock()
    private var reserved: Set<Int> = []

    func allocate() throws(RunnerError) -> Int {
        for _ in 0..<20 {
            let port = try Self.freePort()
            lock.lock()
            defer { lock.unlock() }
            if reserved.insert(port).inserted { return port }
        }
        throw RunnerError("no free loopback port")
    }

    /// Marks `port` as taken (an adopted app's).
    func reserve(_ port: Int) {
        lock.lock()
        reserved.insert(port)
        lock.unlock()
    }

    func release(_ port: Int) {
        lock.lock()
        reserved.remove(port)
        lock.unlock()
    }

    static func freePort() throws(RunnerError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RunnerError.system("socket", errno) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw RunnerError.system("bind", errno, "127.0.0.1:0") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw RunnerError.system("getsockname", errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
