import Foundation
public import HTTPClient
#if canImport(Glibc)
import Glibc
#endif

/// A private Caddy for tests, like `PostgresCluster` and `DockerDaemon`: Debian's `caddy` run with
/// its admin API on a free loopback port and its own `HOME`, `XDG_DATA_HOME` and
/// `XDG_CONFIG_HOME` under a fresh `/tmp/slipway-caddy-XXXXXX`, so its local CA, certificates and
/// autosaved configuration are private (and its local CA is never installed into the system's
/// trust store: `install_trust` is off in the configuration it starts with).
///
/// It starts with the "operator's" configuration given (plus the admin address and the private
/// CA setting). `start()` and `restart()` wait for the admin API to answer with a deadline, not a
/// fixed sleep; `restart()` stops Caddy and starts it again from that same configuration,
/// dropping whatever was added through the admin API since, as a real restart without
/// `--resume` does. `stop()` (also from `deinit`) ends Caddy and removes the directory.
///
/// Thread safety: safe to share (the process handle is behind a lock).
public final class CaddyServer: @unchecked Sendable {
    /// Debian's `caddy`.
    public static let caddyPath = "/usr/bin/caddy"

    public let directory: String
    public let adminPort: Int
    /// With `adminSocket`, the admin API's Unix socket instead of the port.
    public let adminSocketPath: String?
    /// `http://127.0.0.1:PORT`, or `unix//PATH` for a socket (as `--caddy-admin` takes it).
    public var adminURL: String { adminSocketPath.map { "unix/" + $0 } ?? "http://127.0.0.1:\(adminPort)" }
    /// The root certificate of Caddy's local CA (exists once Caddy made it).
    public var rootCertificatePath: String { directory + "/data/caddy/pki/authorities/local/root.crt" }
    /// Caddy's output (its JSON log lines).
    public var log: String {
        (try? String(contentsOfFile: directory + "/caddy.log", encoding: .utf8)) ?? "(no caddy log)"
    }

    private let configPath: String
    private let lock = NSLock()
    private nonisolated(unsafe) var process: Process?

    /// Starts Caddy with `operatorApps` as the `apps` of its configuration (e.g. an operator's
    /// own server). Throws with what to install when `caddy` is missing.
    /// With `adminSocket`, the admin API listens on a Unix socket in the directory instead.
    public static func start(operatorApps: [String: Any] = [:], adminSocket: Bool = false, timeout: Double = 30) throws -> CaddyServer {
        guard FileManager.default.isExecutableFile(atPath: caddyPath) else {
            throw CaddyServerError("caddy is not at \(caddyPath): install caddy (apt-get install caddy; scripts/install-deps.sh does)")
        }
        let directory = try makeDirectory()
        let port = try freePort()
        var apps = operatorApps
        var pki = apps["pki"] as? [String: Any] ?? [:]
        pki["certificate_authorities"] = ["local": ["install_trust": false]]
        apps["pki"] = pki
        let socket = adminSocket ? directory + "/admin.sock" : nil
        let config: [String: Any] = [
            "admin": ["listen": socket.map { "unix/" + $0 } ?? "127.0.0.1:\(port)"],
            "apps": apps,
        ]
        let configPath = directory + "/operator.json"
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .withoutEscapingSlashes])
            .write(to: URL(fileURLWithPath: configPath))
        let server = CaddyServer(directory: directory, adminPort: port, adminSocketPath: socket, configPath: configPath)
        do {
            try server.launch(timeout: timeout)
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    private init(directory: String, adminPort: Int, adminSocketPath: String?, configPath: String) {
        self.directory = directory
        self.adminPort = adminPort
        self.adminSocketPath = adminSocketPath
        self.configPath = configPath
    }

    deinit { stop() }

    /// Stops Caddy and starts it again from the configuration it was first started with.
    public func restart(timeout: Double = 30) throws {
        terminate()
        try launch(timeout: timeout)
    }

    /// Stops Caddy and removes its directory. Idempotent.
    public func stop() {
        terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Caddy's whole configuration now (`GET /config/`), parsed.
    public func currentConfig() throws -> Any {
        let response = try HTTPClient().send(adminRequest("/config/", timeout: 10))
        guard response.status == 200 else { throw CaddyServerError("GET /config/ answered \(response.status): \(response.bodyText ?? "")") }
        return try JSONSerialization.jsonObject(with: response.body, options: [.fragmentsAllowed])
    }

    private func launch(timeout: Double) throws {
        let logPath = directory + "/caddy.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        guard let logHandle = FileHandle(forWritingAtPath: logPath) else { throw CaddyServerError("cannot write \(logPath)") }
        defer { try? logHandle.close() }
        logHandle.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.caddyPath)
        process.arguments = ["run", "--config", configPath]
        process.environment = [
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": directory,
            "XDG_DATA_HOME": directory + "/data",
            "XDG_CONFIG_HOME": directory + "/config",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        lock.withLock { self.process = process }
        let client = HTTPClient()
        let probe = adminRequest("/config/", timeout: 2)
        do {
            try Eventually.wait(for: "caddy's admin API at \(adminURL)", timeout: timeout, interval: 0.02) {
                guard process.isRunning else {
                    throw CaddyServerError("caddy exited with status \(process.terminationStatus):\n\(log.suffix(4000))")
                }
                return (try? client.send(probe))?.status == 200
            }
        } catch let error as Eventually.TimedOut {
            throw CaddyServerError("\(error)\ncaddy log:\n\(log.suffix(4000))")
        }
    }

    /// A request to the admin API (over the socket with the empty `Host` Caddy wants there).
    public func adminRequest(_ path: String, timeout: Double) -> HTTPClientRequest {
        guard let adminSocketPath else {
            return HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)" + path, connectTimeout: 1, timeout: timeout)
        }
        return HTTPClientRequest(url: "http://localhost" + path, headers: ["Host": ""], connectTimeout: 1, timeout: timeout,
                                 unixSocketPath: adminSocketPath)
    }

    private func terminate() {
        let process: Process? = lock.withLock {
            defer { self.process = nil }
            return self.process
        }
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if (try? Eventually.wait(for: "caddy to exit", timeout: 15, interval: 0.02, { !process.isRunning })) == nil {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private static func makeDirectory() throws -> String {
        var template = Array("/tmp/slipway-caddy-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CaddyServerError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    /// A free TCP port on 127.0.0.1 for Caddy to listen on later, below the kernel's ephemeral
    /// range (32768-60999 on Debian): a port the kernel hands out (bind to port 0) can be taken
    /// by any test's outgoing connection before Caddy binds it, which failed a Caddy restart test
    /// once with "address already in use". Random ports from 20000-32767 that bind now; the
    /// kernel's choice only if none of 64 tries does.
    public static func freePort() throws -> Int {
        for _ in 0..<64 {
            if let port = try bound(port: Int.random(in: 20000...32767)) { return port }
        }
        guard let port = try bound(port: 0) else {
            throw CaddyServerError("binding port 0 failed: \(String(cString: strerror(errno)))")
        }
        return port
    }

    /// Binds 127.0.0.1:`port` (0: the kernel chooses) and closes: the port bound, or nil when
    /// it could not be bound.
    private static func bound(port: Int) throws -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CaddyServerError("socket failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}

/// Why a private Caddy could not be started or used.
public struct CaddyServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
