import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL 15 cluster for tests and the demo: `initdb` into a fresh `/tmp/slipway-pg-XXXXXX`
/// directory (mode 0755), a server listening on a unix socket in that directory and on
/// 127.0.0.1 at a free port, `fsync=off`. Local (socket) connections are trusted; TCP connections
/// need a SCRAM password, so tests can check password handling against a real server.
///
/// PostgreSQL refuses to run as root: when the tests run as root the directory is given to the
/// `postgres` user and `initdb`/`pg_ctl` run through `runuser -u postgres --`.
///
/// `stop()` (also called from `deinit`) stops the server with `pg_ctl -m immediate` and removes
/// the directory; it is idempotent. Each directory records the test process's pid and the
/// postmaster's pid in `slipway-cluster`, so a later `start()` can stop clusters left behind by a
/// killed test process (best effort).
///
/// Thread safety: safe to share between threads and tests (its state is immutable except for the
/// stopped flag, which is behind a lock).
public final class PostgresCluster: @unchecked Sendable {
    /// Where the PostgreSQL 15 server binaries live (Debian's `postgresql-15` package).
    public static let binDirectory = "/usr/lib/postgresql/15/bin"
    /// Name prefix of every cluster directory under /tmp.
    public static let directoryPrefix = "slipway-pg-"

    /// The cluster's base directory (holds `data/`, `server.log` and the unix socket).
    public let directory: String
    /// The TCP port on 127.0.0.1, also the port number in the socket's file name.
    public let port: Int
    /// The directory holding the unix socket (`host=` in a conninfo).
    public var socketDirectory: String { directory }
    /// Connection string for the `postgres` superuser and database over the unix socket.
    public var conninfo: String { conninfo(database: "postgres") }

    private let dataDirectory: String
    private let runAsPostgres: Bool
    private let lock = NSLock()
    private nonisolated(unsafe) var stopped = false

    private init(directory: String, port: Int, runAsPostgres: Bool) {
        self.directory = directory
        self.port = port
        self.runAsPostgres = runAsPostgres
        self.dataDirectory = directory + "/data"
    }

    deinit { stop() }

    /// Connection string for `database` as the `postgres` superuser over the unix socket.
    public func conninfo(database: String) -> String {
        "host=\(socketDirectory) port=\(port) user=postgres dbname=\(database)"
    }

    /// Creates the cluster and starts the server; throws with the server log when it cannot.
    public static func start() throws -> PostgresCluster {
        let initdb = binDirectory + "/initdb", pgCtl = binDirectory + "/pg_ctl"
        guard FileManager.default.isExecutableFile(atPath: initdb),
              FileManager.default.isExecutableFile(atPath: pgCtl)
        else {
            throw PostgresClusterError("PostgreSQL 15 server binaries not found in \(binDirectory): install postgresql-15 (apt-get install postgresql-15)")
        }
        removeStaleClusters()

        let asRoot = geteuid() == 0
        let directory = try makeDirectory()
        var cleanup = true
        defer { if cleanup { try? FileManager.default.removeItem(atPath: directory) } }
        try writeMarker(directory: directory, postmasterPID: nil)
        if asRoot {
            let chown = try spawn("/bin/chown", ["-R", "postgres:postgres", directory], cwd: "/tmp")
            guard chown.status == 0 else { throw PostgresClusterError("chown failed: \(chown.output)") }
        }

        try runServerTool(initdb, [
            "-D", directory + "/data", "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        ], asPostgres: asRoot, cwd: directory)

        var failures: [String] = []
        for _ in 0..<5 {
            let port = try freePort()
            let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off"
                + " -c synchronous_commit=off -c full_page_writes=off"
            let result = try serverTool(pgCtl, [
                "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "30", "-o", options, "start",
            ], asPostgres: asRoot, cwd: directory)
            if result.status == 0 {
                let cluster = PostgresCluster(directory: directory, port: port, runAsPostgres: asRoot)
                cleanup = false
                try? writeMarker(directory: directory, postmasterPID: postmasterPID(dataDirectory: directory + "/data"))
                return cluster
            }
            failures.append("port \(port): status \(result.status): \(result.output)")
            // A half-started server must not survive the retry.
            _ = try? serverTool(pgCtl, ["-D", directory + "/data", "-m", "immediate", "-w", "stop"],
                                asPostgres: asRoot, cwd: directory)
        }
        let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? "(no server log)"
        throw PostgresClusterError("pg_ctl start failed 5 times:\n\(failures.joined(separator: "\n"))\nserver.log:\n\(log.suffix(4000))")
    }

    /// Creates database `name` (letters, digits and `_`) and returns its socket conninfo.
    public func createDatabase(_ name: String) throws -> String {
        guard let first = name.unicodeScalars.first, !CharacterSet.decimalDigits.contains(first),
              name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "_" })
        else { throw PostgresClusterError("invalid database name \(name)") }
        let result = try Self.spawn(Self.binDirectory + "/createdb",
                                    ["-h", socketDirectory, "-p", String(port), "-U", "postgres", name], cwd: "/tmp")
        guard result.status == 0 else { throw PostgresClusterError("createdb \(name) failed: \(result.output)") }
        return conninfo(database: name)
    }

    /// Runs `sql` with `psql` (an independent judge) and returns its unaligned, tuples-only output
    /// (stdout and stderr together); throws with the output when psql fails.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let result = try Self.spawn(Self.binDirectory + "/psql", [
            "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", String(port),
            "-U", "postgres", "-d", database, "-c", sql,
        ], cwd: "/tmp")
        guard result.status == 0 else { throw PostgresClusterError("psql failed: \(result.output)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server (`pg_ctl -m immediate stop`) and removes the directory. Idempotent.
    public func stop() {
        let alreadyStopped = lock.withLock {
            defer { stopped = true }
            return stopped
        }
        guard !alreadyStopped else { return }
        _ = try? Self.serverTool(Self.binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"],
                                 asPostgres: runAsPostgres, cwd: directory)
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Helpers

    private static func makeDirectory() throws -> String {
        var template = Array("/tmp/\(directoryPrefix)XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw PostgresClusterError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        let path = String(cString: made)
        // The postgres user must be able to traverse it; the socket lives here too.
        guard chmod(path, 0o755) == 0 else {
            throw PostgresClusterError("chmod \(path) failed: \(String(cString: strerror(errno)))")
        }
        return path
    }

    private static let markerName = "slipway-cluster"

    private static func writeMarker(directory: String, postmasterPID: Int32?) throws {
        var text = "owner=\(getpid())\n"
        if let postmasterPID { text += "postmaster=\(postmasterPID)\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + markerName))
    }

    private static func postmasterPID(dataDirectory: String) -> Int32? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Stops and removes clusters whose creating test process no longer exists (best effort).
    private static func removeStaleClusters() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/tmp") else { return }
        for name in names where name.hasPrefix(directoryPrefix) {
            let directory = "/tmp/" + name
            guard let marker = try? String(contentsOfFile: directory + "/" + markerName, encoding: .utf8) else {
                // No marker: being created right now, or not ours. Only very old ones are removed.
                let attributes = try? FileManager.default.attributesOfItem(atPath: directory)
                if let modified = attributes?[.modificationDate] as? Date, modified.timeIntervalSinceNow < -3600 {
                    try? FileManager.default.removeItem(atPath: directory)
                }
                continue
            }
            var fields: [String: Int32] = [:]
            for line in marker.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2, let value = Int32(parts[1]) { fields[String(parts[0])] = value }
            }
            guard let owner = fields["owner"], owner != getpid(), !isAlive(owner) else { continue }
            let data = directory + "/data"
            if let postmaster = fields["postmaster"] ?? postmasterPID(dataDirectory: data), isAlive(postmaster) {
                _ = try? serverTool(binDirectory + "/pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"],
                                    asPostgres: geteuid() == 0, cwd: "/tmp")
                if isAlive(postmaster), isPostgres(postmaster) { kill(postmaster, SIGKILL) }
            }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    private static func isPostgres(_ pid: Int32) -> Bool {
        guard let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return false }
        return command.hasPrefix("postgres")
    }

    /// A free TCP port on 127.0.0.1: bind port 0, read the port the kernel chose, close.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostgresClusterError("socket failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw PostgresClusterError("binding port 0 failed: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a server tool, through `runuser -u postgres --` when running as root.
    private static func serverTool(_ tool: String, _ arguments: [String], asPostgres: Bool, cwd: String) throws -> SpawnResult {
        if asPostgres {
            let runuser = FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
            return try spawn(runuser, ["-u", "postgres", "--", tool] + arguments, cwd: cwd)
        }
        return try spawn(tool, arguments, cwd: cwd)
    }

    private static func runServerTool(_ tool: String, _ arguments: [String], asPostgres: Bool, cwd: String) throws {
        let result = try serverTool(tool, arguments, asPostgres: asPostgres, cwd: cwd)
        guard result.status == 0 else {
            throw PostgresClusterError("\((tool as NSString).lastPathComponent) failed (status \(result.status)):\n\(result.output)")
        }
    }

    package struct SpawnResult {
        package var status: Int32
        package var output: String
    }

    /// Runs `executable` and waits for it with `posix_spawn` and `waitpid`: stdin is /dev/null,
    /// stdout and stderr go to a temporary file, and the child gets no other descriptor of ours.
    ///
    /// Deliberately not `Foundation.Process` with pipes (as `Command.run` does): `pg_ctl start`
    /// leaves a daemon behind, and on Linux reading pipes through Dispatch needs a thread of the
    /// global pool, which the (blocked) cooperative pool shares, so tests could deadlock.
    package static func spawn(_ executable: String, _ arguments: [String], cwd: String) throws -> SpawnResult {
        var template = Array("/tmp/slipway-spawn-XXXXXX".utf8CString)
        let outputFD = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard outputFD >= 0 else { throw PostgresClusterError("mkstemp failed: \(String(cString: strerror(errno)))") }
        let outputPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        guard let addChdir = GlibcSpawnExtras.addChdir, let addClosefrom = GlibcSpawnExtras.addClosefrom else {
            close(outputFD)
            throw PostgresClusterError("glibc 2.34 or newer is needed (posix_spawn_file_actions_addchdir_np/addclosefrom_np)")
        }
        _ = addChdir(&actions, cwd)
        _ = addClosefrom(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(outputFD)
        guard rc == 0 else {
            throw PostgresClusterError("cannot run \(executable): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw PostgresClusterError("waitpid failed: \(String(cString: strerror(errno)))") }
        }
        // WIFEXITED/WEXITSTATUS are macros Swift cannot import.
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return SpawnResult(status: exitStatus, output: output)
    }
}

/// glibc's `posix_spawn_file_actions_addchdir_np` and `..._addclosefrom_np` (2.29/2.34) are
/// declared only under `_GNU_SOURCE`, which Swift's Glibc module does not see: look them up.
private enum GlibcSpawnExtras {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
    static let addClosefrom: AddClosefrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddClosefrom.self) }
}

/// Why a throwaway cluster could not be started or used.
public struct PostgresClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
