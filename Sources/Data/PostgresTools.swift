import Foundation
import Postgres

/// `pg_dump` and `pg_restore`, run with `Foundation.Process` in a private work directory.
///
/// Passwords never reach argv (other users can read `/proc/*/cmdline`): the connection goes as a
/// key=value conninfo without its password, and the password through a 0600 `PGPASSFILE` in the
/// run's private (0700) directory. The child's environment is explicit (no inherited `PG*`
/// variables). Output is bounded: stdout goes to a file or another tool, stderr to a file of
/// which only the tail is read, with any password removed.
final class PostgresTools: @unchecked Sendable {
    let directory: String?
    /// The private directory: `workDirectory/slipway-data-<uuid>`, mode 0700.
    let workDirectory: String
    private var passwords: [String] = []

    /// Creates the private work directory; `close()` removes it with everything in it.
    init(server: DataServer, serverMajor: Int) throws(DataError) {
        directory = Self.resolveDirectory(server.toolsDirectory, serverMajor: serverMajor)
        let path = (server.workDirectory as NSString).appendingPathComponent("slipway-data-" + UUID().uuidString.lowercased())
        do {
            try FileManager.default.createDirectory(atPath: server.workDirectory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw DataError("cannot create a private work directory in \(server.workDirectory): \(error.localizedDescription)")
        }
        workDirectory = path
    }

    func close() {
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    /// The tool's path: in `directory` when known, else looked up in PATH.
    func path(_ tool: String) -> String {
        if let directory { return (directory as NSString).appendingPathComponent(tool) }
        for entry in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = (String(entry) as NSString).appendingPathComponent(tool)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return tool
    }

    /// The major version `tool --version` reports (`pg_dump (PostgreSQL) 15.18 ...` -> 15).
    func majorVersion(_ tool: String) throws(DataError) -> Int {
        let result = try run(tool, ["--version"], parameters: nil, stdout: workDirectory + "/version.txt")
        let text = (try? String(contentsOfFile: workDirectory + "/version.txt", encoding: .utf8)) ?? ""
        guard result.status == 0, let major = Self.major(fromVersionOutput: text) else {
            throw DataError("cannot read the version of \(path(tool)) (exit \(result.status)): install the PostgreSQL client tools (postgresql-client) or set the tools directory")
        }
        return major
    }

    static func major(fromVersionOutput text: String) -> Int? {
        guard let range = text.range(of: "(PostgreSQL) ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    struct Result {
        var status: Int32
        /// The last 2,000 characters of stderr, passwords removed.
        var errors: String
    }

    /// Runs `tool` connected with `parameters` (its password through PGPASSFILE) and waits.
    func run(_ tool: String, _ arguments: [String], parameters: ConnectionParameters?, stdout: String? = nil) throws(DataError) -> Result {
        let process = try prepare(tool, arguments, parameters: parameters, stderrName: tool)
        if let stdout {
            _ = FileManager.default.createFile(atPath: stdout, contents: nil, attributes: [.posixPermissions: 0o600])
            process.standardOutput = FileHandle(forWritingAtPath: stdout)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        try launch(process, tool)
        process.waitUntilExit()
        return Result(status: process.terminationStatus, errors: stderrTail(tool))
    }

    /// `pg_dump ... | pg_restore ...`: the two run at once, joined by a pipe.
    func pipe(dump: [String], from source: ConnectionParameters, restore: [String], into target: ConnectionParameters) throws(DataError) -> (dump: Result, restore: Result) {
        let dumper = try prepare("pg_dump", dump, parameters: source, stderrName: "pg_dump")
        let restorer = try prepare("pg_restore", restore, parameters: target, stderrName: "pg_restore")
        let pipe = Pipe()
        dumper.standardOutput = pipe
        restorer.standardInput = pipe
        restorer.standardOutput = FileHandle.nullDevice
        try launch(restorer, "pg_restore")
        do {
            try launch(dumper, "pg_dump")
        } catch {
            try? pipe.fileHandleForWriting.close()
            try? pipe.fileHandleForReading.close()
            restorer.waitUntilExit()
            throw error
        }
        // Our copies of both ends must go, or pg_restore never sees the end of the dump.
        try? pipe.fileHandleForWriting.close()
        try? pipe.fileHandleForReading.close()
        dumper.waitUntilExit()
        restorer.waitUntilExit()
        return (Result(status: dumper.terminationStatus, errors: stderrTail("pg_dump")),
                Result(status: restorer.terminationStatus, errors: stderrTail("pg_restore")))
    }

    // MARK: Internals

    private func prepare(_ tool: String, _ arguments: [String], parameters: ConnectionParameters?, stderrName: String) throws(DataError) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(tool))
        var environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PGCONNECT_TIMEOUT": "30"]
        var arguments = arguments
        if let parameters {
            let passfile = workDirectory + "/\(stderrName).pgpass"
            let line = "*:*:*:*:" + Self.passfileEscape(parameters["password"] ?? "") + "\n"
            guard FileManager.default.createFile(atPath: passfile, contents: Data(line.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw DataError("cannot write the password file in \(workDirectory)")
            }
            if let password = parameters["password"], !password.isEmpty { passwords.append(password) }
            environment["PGPASSFILE"] = passfile
            arguments.append("--dbname=" + parameters.withoutPassword.conninfo)
        }
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: workDirectory)
        let stderrPath = workDirectory + "/\(stderrName).stderr"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil, attributes: [.posixPermissions: 0o600])
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        return process
    }

    private func launch(_ process: Process, _ tool: String) throws(DataError) {
        do { try process.run() } catch {
            throw DataError("cannot run \(path(tool)): \(error.localizedDescription); install the PostgreSQL client tools (postgresql-client) or set the tools directory")
        }
    }

    private func stderrTail(_ name: String) -> String {
        let text = (try? String(contentsOfFile: workDirectory + "/\(name).stderr", encoding: .utf8)) ?? ""
        return SQLText.scrub(String(text.suffix(2000)).trimmingCharacters(in: .whitespacesAndNewlines), secrets: passwords)
    }

    /// A password as a `.pgpass` field: `\` and `:` escaped.
    static func passfileEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:")
    }

    static func resolveDirectory(_ configured: String?, serverMajor: Int) -> String? {
        if let configured { return configured }
        let exact = "/usr/lib/postgresql/\(serverMajor)/bin"
        if FileManager.default.isExecutableFile(atPath: exact + "/pg_dump") { return exact }
        let installed = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).filter { $0 >= serverMajor }.sorted()
        for major in installed.reversed() where FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(major)/bin/pg_dump") {
            return "/usr/lib/postgresql/\(major)/bin"
        }
        return nil
    }
}
