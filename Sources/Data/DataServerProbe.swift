import Foundation
import Postgres

/// What `slipway diag` learns of the operator's database server: it answers the admin
/// connection, its version, and where `pg_dump` (which snapshots need) is, if anywhere.
public struct DataServerProbe: Sendable, Equatable {
    /// `server_version` as the server reports it (e.g. `15.8`).
    public var serverVersion: String
    /// The major version (`15`), which picks the client tools.
    public var serverMajor: Int
    /// The `pg_dump` that would be used, or nil when none is installed.
    public var pgDump: String?
}

extension DataServer {
    /// Connects as the admin role, reads the server's version and looks for `pg_dump` (in the
    /// tools directory, else the one matching the server, else `PATH`). Throws when the
    /// connection fails (the message holds no password).
    public func probe() throws(DataError) -> DataServerProbe {
        let connection = try connectAdmin()
        let version: String
        do {
            version = try connection.query("SHOW server_version").first?.string("server_version") ?? "unknown"
        } catch {
            throw DataError("the database server answered the connection but not `SHOW server_version`: \(error)")
        }
        let major = connection.serverVersion / 10_000
        let directory = PostgresTools.resolveDirectory(toolsDirectory, serverMajor: major)
        // As `PostgresTools.path`: a known directory is the only place looked at.
        var candidates: [String] = []
        if let directory {
            candidates.append((directory as NSString).appendingPathComponent("pg_dump"))
        } else {
            for entry in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
                candidates.append((String(entry) as NSString).appendingPathComponent("pg_dump"))
            }
        }
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        return DataServerProbe(serverVersion: version, serverMajor: major, pgDump: found)
    }
}
