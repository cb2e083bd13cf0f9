public import Docker
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private Docker daemon for tests, like `PostgresCluster`: Debian's `dockerd` run as root with
/// its own `--data-root`, `--exec-root`, `--pidfile` and socket under a fresh
/// `/tmp/slipway-docker-XXXXXX`, and its own bridge (`slw-XXXXXX`, a free `172.30.N.0/24`), so two
/// can run at once and the host's `docker0` (if any) is not touched. It changes no firewall rule
/// and no sysctl (`--iptables=false --ip-masq=false --ip-forward=false`): published ports are
/// served by Docker's userland proxy on the host side, which needs neither.
///
/// `start()` waits until `/_ping` answers (polling with a deadline; the daemon's log is in the
/// error when it does not). `stop()` (also from `deinit`) leaves a Swarm if one was made, stops
/// the daemon (SIGTERM, then SIGKILL after 30 s), unmounts whatever is left under the directory,
/// deletes the bridge (and `docker_gwbridge` when a Swarm created it) and removes the directory.
/// Each directory records the test process's pid, the daemon's pid and the bridge, so a later
/// `start()` cleans up after a killed test process.
///
/// Thread safety: safe to share between tests (state is immutable except the stopped flag,
/// which is behind a lock).
public final class DockerDaemon: @unchecked Sendable {
    /// Debian's `docker.io` daemon.
    public static let dockerdPath = "/usr/sbin/dockerd"
    /// Debian's `busybox-static`.
    public static let busyboxPath = "/bin/busybox"
    /// Name prefix of every daemon directory under /tmp.
    public static let directoryPrefix = "slipway-docker-"

    /// The daemon's base directory (data, exec root, socket, log).
    public let directory: String
    /// The API socket, and a client of it.
    public let socketPath: String
    public let host: DockerHost
    public let client: DockerClient
    /// The bridge the daemon's containers attach to.
    public let bridge: String
    /// With `start(tls: true)`: the daemon's TCP address with TLS and a client certificate
    /// (`--tlsverify`), and the directory holding `ca.pem`, `cert.pem` and `key.pem` for it.
    public private(set) var tlsHost: DockerHost?
    public var certificateDirectory: String { directory + "/certs" }

    private let process: Process
    private let createdGatewayBridge: Bool
    private let lock = NSLock()
    private nonisolated(unsafe) var stopped = false

    private init(directory: String, bridge: String, process: Process, host: DockerHost, gatewayBridgeExisted: Bool) {
        self.directory = directory
        self.socketPath = directory + "/docker.sock"
        self.bridge = bridge
        self.process = process
        self.host = host
        self.client = DockerClient(host: host, timeout: 60)
        self.createdGatewayBridge = !gatewayBridgeExisted
    }

    deinit { stop() }

    /// The daemon's log so far (its stdout and stderr).
    public var log: String {
        (try? String(contentsOfFile: directory + "/dockerd.log", encoding: .utf8)) ?? "(no daemon log)"
    }

    /// Starts a daemon and waits until it answers; throws with what to install when `dockerd`
    /// is missing, and with the daemon's log when it does not come up within `timeout` seconds.
    /// With `tls`, it also listens on a free loopback TCP port with `--tlsverify`, with a CA and
    /// certificates made by `openssl` for the occasion (see `tlsHost`).
    public static func start(timeout: Double = 90, tls: Bool = false) throws -> DockerDaemon {
        guard FileManager.default.isExecutableFile(atPath: dockerdPath) else {
            throw DockerDaemonError("dockerd is not at \(dockerdPath): install docker.io (apt-get install docker.io; scripts/install-deps.sh does)")
        }
        guard geteuid() == 0 else {
            throw DockerDaemonError("a private dockerd needs root (mounts, network namespaces, its bridge): run the Docker tests as root")
        }
        removeStaleDaemons()

        let directory = try makeDirectory()
        var cleanup = true
        let bridge = "slw-" + String(directory.suffix(6)).lowercased().filter { $0.isLetter || $0.isNumber }.prefix(6)
        defer {
            if cleanup {
                _ = try? run("/sbin/ip", ["link", "del", bridge])
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        try writeMarker(directory: directory, daemonPID: nil, bridge: bridge)
        try createBridge(bridge)
        let gatewayBridgeExisted = linkExists("docker_gwbridge")

        let logPath = directory + "/dockerd.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let logHandle = FileHandle(forWritingAtPath: logPath) else { throw DockerDaemonError("cannot write \(logPath)") }
        defer { try? logHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dockerdPath)
        process.arguments = [
            "--data-root", directory + "/data", "--exec-root", directory + "/exec", "--pidfile", directory + "/dockerd.pid",
            "-H", "unix://\(directory)/docker.sock", "--bridge", bridge,
            "--iptables=false", "--ip-masq=false", "--ip-forward=false", "--ip6tables=false",
            "--userland-proxy=true", "--log-level=warn", "--storage-driver=overlay2",
        ]
        var tlsAddress: String?
        if tls {
            let port = try freePort()
            try makeCertificates(in: directory + "/certs")
            let certs = directory + "/certs"
            process.arguments! += [
                "-H", "tcp://127.0.0.1:\(port)", "--tlsverify", "--tlscacert", certs + "/ca.pem",
                "--tlscert", certs + "/server-cert.pem", "--tlskey", certs + "/server-key.pem",
            ]
            tlsAddress = "tcp://127.0.0.1:\(port)"
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        // A DOCKER_HOST of the caller's must not leak into the daemon's own configuration.
        environment["DOCKER_HOST"] = nil
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try process.run()
        try? writeMarker(directory: directory, daemonPID: process.processIdentifier, bridge: bridge)

        let host = try DockerHost(parsing: "unix://\(directory)/docker.sock")
        let daemon = DockerDaemon(directory: directory, bridge: bridge, process: process, host: host, gatewayBridgeExisted: gatewayBridgeExisted)
        if let tlsAddress {
            daemon.tlsHost = try DockerHost(parsing: tlsAddress, tls: DockerTLSFiles(directory: directory + "/certs"))
        }
        cleanup = false
        do {
            try Eventually.wait(for: "the private dockerd in \(directory) to answer /_ping", timeout: timeout, interval: 0.05) {
                guard process.isRunning else {
                    throw DockerDaemonError("dockerd exited with status \(process.terminationStatus):\n\(daemon.log.suffix(4000))")
                }
                return (try? daemon.client.ping()) != nil
            }
        } catch let error as Eventually.TimedOut {
            let log = daemon.log
            daemon.stop()
            throw DockerDaemonError("\(error)\ndockerd log:\n\(log.suffix(4000))")
        } catch {
            daemon.stop()
            throw error
        }
        return daemon
    }

    /// Stops the daemon and removes all it left behind. Idempotent.
    public func stop() {
        let alreadyStopped = lock.withLock {
            defer { stopped = true }
            return stopped
        }
        guard !alreadyStopped else { return }
        if process.isRunning {
            // Leaving a Swarm is not done by SIGTERM: its state would stay in the data root,
            // which goes anyway; but the Swarm's tasks are containers the daemon stops on exit.
            _ = try? client.leaveSwarm(force: true)
            kill(process.processIdentifier, SIGTERM)
            if (try? Eventually.wait(for: "dockerd to exit", timeout: 30, interval: 0.05, { !process.isRunning })) == nil {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        Self.cleanUp(directory: directory, bridge: bridge, removeGatewayBridge: createdGatewayBridge)
    }

    /// Makes the base image `repository:tag` (default `slipway-test/busybox:latest`) from
    /// Debian's static busybox: `/bin/busybox` with a symlink per applet named in `applets`,
    /// `/etc/passwd` and `/etc/group` with root and nobody, an empty `/tmp` and `/www`. Its
    /// default command is `sh`. Returns the image id.
    @discardableResult
    public func importBusyboxImage(
        repository: String = "slipway-test/busybox", tag: String = "latest",
        applets: [String] = BusyboxRootFilesystem.defaultApplets
    ) throws -> String {
        let archive = try BusyboxRootFilesystem.archive(busybox: try Self.staticBusybox(), applets: applets)
        return try client.importImage(rootFilesystem: archive, repository: repository, tag: tag, changes: BusyboxRootFilesystem.imageChanges)
    }

    // MARK: Helpers

    /// The static busybox's bytes; throws with what to install when it is missing or dynamic.
    static func staticBusybox() throws -> Data {
        guard let data = FileManager.default.contents(atPath: busyboxPath) else {
            throw DockerDaemonError("\(busyboxPath) is missing: install busybox-static (apt-get install busybox-static; scripts/install-deps.sh does)")
        }
        guard !hasInterpreter(elf: data) else {
            throw DockerDaemonError("\(busyboxPath) is dynamically linked (Debian's busybox): install busybox-static, which a root file system without libc needs")
        }
        return data
    }

    /// Whether an ELF64 file has a `PT_INTERP` program header (is dynamically linked).
    static func hasInterpreter(elf data: Data) -> Bool {
        let bytes = [UInt8](data.prefix(64 * 1024))
        guard bytes.count >= 64, bytes[0] == 0x7F, bytes[1] == UInt8(ascii: "E"), bytes[4] == 2 else { return false }
        func integer(_ offset: Int, _ width: Int) -> Int {
            (0..<width).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        let programHeaders = integer(32, 8), entrySize = integer(54, 2), count = integer(56, 2)
        for index in 0..<count {
            let offset = programHeaders + index * entrySize
            guard offset + 4 <= bytes.count else { break }
            if integer(offset, 4) == 3 { return true }
        }
        return false
    }

    /// A CA, a server certificate for 127.0.0.1 and a client certificate (P-256, one day), with
    /// the `openssl` command line (an independent judge of our TLS use).
    private static func makeCertificates(in directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".utf8).write(to: URL(fileURLWithPath: directory + "/server.ext"))
        try Data("extendedKeyUsage=clientAuth\n".utf8).write(to: URL(fileURLWithPath: directory + "/client.ext"))
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + key + ["-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1", "-subj", "/CN=slipway-test-ca"],
            ["req"] + key + ["-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", "server-cert.pem", "-days", "1", "-extfile", "server.ext"],
            ["req"] + key + ["-keyout", "key.pem", "-out", "client.csr", "-subj", "/CN=slipway-test-client"],
            ["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", "cert.pem", "-days", "1", "-extfile", "client.ext"],
        ]
        for arguments in steps {
            let result = try PostgresCluster.spawn("/usr/bin/openssl", arguments, cwd: directory)
            guard result.status == 0 else { throw DockerDaemonError("openssl \(arguments.prefix(2).joined(separator: " ")) failed (install openssl): \(result.output)") }
        }
    }

    /// A free TCP port on 127.0.0.1: bind port 0, read the port the kernel chose, close.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DockerDaemonError("socket failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw DockerDaemonError("binding port 0 failed: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func makeDirectory() throws -> String {
        var template = Array("/tmp/\(directoryPrefix)XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw DockerDaemonError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        let path = String(cString: made)
        guard chmod(path, 0o711) == 0 else { throw DockerDaemonError("chmod \(path) failed: \(String(cString: strerror(errno)))") }
        return path
    }

    /// Creates `name` as a bridge with the first free `172.30.N.1/24` and brings it up.
    private static func createBridge(_ name: String) throws {
        let routes = (try? run("/sbin/ip", ["-4", "route", "show"]).output) ?? ""
        let addresses = (try? run("/sbin/ip", ["-4", "addr", "show"]).output) ?? ""
        let start = Int.random(in: 0..<200)
        guard let subnet = (0..<200).lazy.map({ (start + $0) % 200 + 20 }).first(where: {
            !routes.contains("172.30.\($0).") && !addresses.contains("172.30.\($0).")
        }) else { throw DockerDaemonError("no free 172.30.N.0/24 subnet for the test bridge") }
        // A fixed MAC (locally administered), as Docker gives its own bridges: otherwise the bridge
        // takes the lowest MAC of its ports and changes it when a container leaves, and the
        // other containers' ARP entries for the gateway go stale for seconds (requests hang).
        let mac = "02:42:" + (0..<4).map { _ in String(format: "%02x", Int.random(in: 0...255)) }.joined(separator: ":")
        for arguments in [["link", "add", name, "address", mac, "type", "bridge"], ["addr", "add", "172.30.\(subnet).1/24", "dev", name],
                          ["link", "set", name, "up"]] {
            let result = try run("/sbin/ip", arguments)
            guard result.status == 0 else {
                throw DockerDaemonError("ip \(arguments.joined(separator: " ")) failed (install iproute2; run as root): \(result.output)")
            }
        }
    }

    private static func linkExists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
    }

    /// Unmounts everything under `directory` (deepest first), deletes the bridges, removes it.
    private static func cleanUp(directory: String, bridge: String, removeGatewayBridge: Bool) {
        if let mountInfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) {
            let points = mountInfo.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: " ")
                guard fields.count > 4 else { return nil }
                // Spaces and such are octal-escaped in mountinfo; ours have none.
                let point = String(fields[4])
                return point == directory || point.hasPrefix(directory + "/") ? point : nil
            }
            for point in points.sorted(by: { $0.count > $1.count }) {
                _ = umount2(point, Int32(MNT_DETACH))
            }
        }
        _ = try? run("/sbin/ip", ["link", "del", bridge])
        if removeGatewayBridge, linkExists("docker_gwbridge") {
            _ = try? run("/sbin/ip", ["link", "del", "docker_gwbridge"])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let markerName = "slipway-daemon"

    private static func writeMarker(directory: String, daemonPID: Int32?, bridge: String) throws {
        var text = "owner=\(getpid())\nbridge=\(bridge)\n"
        if let daemonPID { text += "dockerd=\(daemonPID)\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + markerName))
    }

    /// Stops and removes daemons whose creating test process no longer exists (best effort).
    private static func removeStaleDaemons() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/tmp") else { return }
        for name in names where name.hasPrefix(directoryPrefix) {
            let directory = "/tmp/" + name
            guard let marker = try? String(contentsOfFile: directory + "/" + markerName, encoding: .utf8) else { continue }
            var fields: [String: String] = [:]
            for line in marker.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            guard let owner = fields["owner"].flatMap(Int32.init), owner != getpid(), !isAlive(owner) else { continue }
            if let daemon = fields["dockerd"].flatMap(Int32.init), isAlive(daemon),
               (try? String(contentsOfFile: "/proc/\(daemon)/comm", encoding: .utf8))?.hasPrefix("dockerd") == true {
                kill(daemon, SIGTERM)
                if (try? Eventually.wait(for: "a stale dockerd to exit", timeout: 30, interval: 0.05, { !isAlive(daemon) })) == nil {
                    kill(daemon, SIGKILL)
                }
            }
            cleanUp(directory: directory, bridge: fields["bridge"] ?? "", removeGatewayBridge: false)
        }
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        // A zombie child is not alive for our purposes; /proc says so.
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        let status = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !status.contains(") Z ")
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> PostgresCluster.SpawnResult {
        try PostgresCluster.spawn(executable, arguments, cwd: "/tmp")
    }
}

/// Why a private Docker daemon could not be started or used.
public struct DockerDaemonError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
