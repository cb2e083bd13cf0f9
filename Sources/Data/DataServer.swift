import Foundation
import Postgres

/// The operator's PostgreSQL server (from `databases:` in slipway.yaml): an admin connection that
/// may create databases and roles, the read-only production source, where the PostgreSQL client
/// tools live and where dump files go.
///
/// A plain value: safe to share between threads. Nothing here is logged: the conninfos hold
/// passwords.
public struct DataServer: Sendable {
    /// libpq conninfo/URL of a role that may `CREATE DATABASE` and `CREATE ROLE`.
    public let admin: String
    /// Read-only conninfo of the production source; nil: snapshots cannot be made.
    public let production: String?
    /// Where `pg_dump`/`pg_restore` live; nil: `/usr/lib/postgresql/<server major>/bin` if
    /// present, else the newest `/usr/lib/postgresql/*/bin`, else `PATH`.
    public let toolsDirectory: String?
    /// Where dump files go (in a private directory per run, deleted after use).
    public let workDirectory: String

    public init(admin: String, production: String?, toolsDirectory: String? = nil, workDirectory: String) {
        self.admin = admin
        self.production = production
        self.toolsDirectory = toolsDirectory
        self.workDirectory = workDirectory
    }

    func adminParameters() throws(DataError) -> ConnectionParameters {
        do { return try ConnectionParameters(admin) } catch {
            throw DataError("databases.admin: \(error)")
        }
    }

    func productionParameters() throws(DataError) -> ConnectionParameters {
        guard let production else {
            throw DataError("no production source is configured (databases.production): snapshots cannot be made")
        }
        do { return try ConnectionParameters(production) } catch {
            throw DataError("databases.production: \(error)")
        }
    }

    /// A connection with the admin's parameters to `database` (default: the admin conninfo's own).
    func connectAdmin(database: String? = nil) throws(DataError) -> PostgresConnection {
        var parameters = try adminParameters()
        if let database { parameters["dbname"] = database }
        return try Self.connect(parameters, what: "the admin connection" + (database.map { " to database \($0)" } ?? ""))
    }

    /// A connection with the admin's host and options, as `user` with `password`, to `database`.
    func connect(database: String, user: String, password: String) throws(DataError) -> PostgresConnection {
        var parameters = try adminParameters()
        parameters["dbname"] = database
        parameters["user"] = user
        parameters["password"] = password
        parameters["passfile"] = nil
        return try Self.connect(parameters, what: "role \(user) to database \(database)", extraSecrets: [password], catalogSearchPath: false)
    }

    /// `catalogSearchPath`: resolve names in `pg_catalog` only (the engine's own sessions, so
    /// nothing a database's owner created can stand in for a built-in); false keeps the
    /// database's default (sessions running the spec's SQL).
    static func connect(_ parameters: ConnectionParameters, what: String, extraSecrets: [String] = [],
                        catalogSearchPath: Bool = true) throws(DataError) -> PostgresConnection {
        do {
            let connection = try PostgresConnection(parameters.conninfo)
            if catalogSearchPath { _ = try connection.run("SET search_path = pg_catalog, pg_temp") }
            return connection
        } catch {
            throw DataError(SQLText.scrub("connecting \(what) failed: \(error)", secrets: extraSecrets + [parameters["password"] ?? ""]))
        }
    }

    /// `host:port/dbname` without user or password.
    static func describe(_ parameters: ConnectionParameters) -> String {
        let host = parameters["host"] ?? parameters["hostaddr"] ?? "localhost"
        return "\(host):\(parameters["port"] ?? "5432")/\(parameters["dbname"] ?? parameters["user"] ?? "")"
    }

    /// The host and port apps connect to: the admin conninfo's host when it is TCP, otherwise
    /// 127.0.0.1, and its port.
    func appEndpoint() throws(DataError) -> (host: String, port: Int) {
        let parameters = try adminParameters()
        let host = parameters["host"].flatMap { $0.hasPrefix("/") || $0.isEmpty ? nil : $0.split(separator: ",").first.map(String.init) }
        let port = parameters["port"].flatMap { Int($0.split(separator: ",").first ?? "") } ?? 5432
        return (host ?? "127.0.0.1", port)
    }
}
