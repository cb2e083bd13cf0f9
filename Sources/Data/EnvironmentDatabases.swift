import Foundation
import Postgres

/// A database and a LOGIN role per environment on the operator's server.
///
/// A database is a spare copy of a snapshot renamed (`SparePool`, when given one and a spare is
/// ready), a `FILE_COPY` copy of a snapshot template (PG >= 15; the default strategy before), an
/// empty database, or a `pg_dump | pg_restore` copy of another environment's. Its
/// role (same name as the database) may connect to it only: `REVOKE ALL ... FROM PUBLIC` on it,
/// `CONNECT, TEMPORARY, CREATE` granted to the role, `CONNECT` on `postgres` and `template1`
/// revoked from PUBLIC, and a check after each creation that the role can connect to no other
/// Slipway database nor `postgres`. Everything copied is owned by the role (`REASSIGN OWNED`
/// inside the new database), so the app can migrate its schema. The database stays owned by the
/// admin, so the app cannot re-grant access to it.
///
/// Thread safety: calls may come from any thread. Copies of one template are serialized in the
/// process (CREATE DATABASE fails while anyone is connected to the template) and retried a few
/// times when another session holds the template. Every call blocks.
public final class EnvironmentDatabases: @unchecked Sendable {
    public static let namePrefix = "slipway_env_"

    let server: DataServer
    let appHost: String?
    let appPort: Int?
    let spares: SparePool?
    let log: @Sendable (String) -> Void

    /// `appHost`/`appPort`: where apps connect (default: the admin conninfo's host when it is
    /// TCP, else 127.0.0.1, and its port). `spares`: where `from: .snapshot` takes a ready copy
    /// of the snapshot (a rename) before copying the template (nil: always copy).
    public init(server: DataServer, appHost: String? = nil, appPort: Int? = nil, spares: SparePool? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.server = server
        self.appHost = appHost
        self.appPort = appPort
        self.spares = spares
        self.log = log
    }

    /// The database (and role) name for `environment`: `slipway_env_<name>` when the name is
    /// lowercase letters and digits only, otherwise `slipway_env_<slug>_<12 hex of a hash>`, so
    /// distinct environment names never share a database. At most 63 bytes.
    public func database(for environment: String) -> String {
        Self.databaseName(for: environment)
    }

    static func databaseName(for environment: String) -> String {
        let simple = !environment.isEmpty && environment.utf8.count <= 40
            && environment.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") }
        if simple { return namePrefix + environment }
        var slug = String(environment.lowercased().unicodeScalars.map { scalar -> Character in
            (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") ? Character(scalar) : "_"
        })
        slug = String(slug.prefix(36))
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in environment.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        let hex = String(hash, radix: 16)
        let zeros = String(repeating: "0", count: 16 - hex.count)
        let padded: String = zeros + hex
        return namePrefix + slug + "_" + String(padded.prefix(12))
    }

    public func exists(_ environment: String) throws(DataError) -> Bool {
        let name = try validated(environment)
        let admin = try server.connectAdmin()
        return try Self.databaseExists(name, admin)
    }

    /// Creates the environment's database from `origin` and its role with `password`.
    /// With `replace`, an existing database (and role) is dropped first; otherwise it is an error.
    public func create(_ environment: String, from origin: DatabaseOrigin, password: String, replace: Bool = false) throws(DataError) -> DatabaseCredentials {
        let name = try validated(environment)
        guard !password.isEmpty else { throw DataError("environment \(environment): the database password is empty") }
        let admin = try server.connectAdmin()
        if try Self.databaseExists(name, admin) {
            guard replace else { throw DataError("environment \(environment) already has a database (\(name)); drop it or replace it") }
            try drop(environment)
        }
        try closeServerDatabases(admin)
        try createRole(name, password: password, admin)
        var done = false
        defer {
            if !done {
                _ = try? admin.execute("DROP DATABASE IF EXISTS \(SQLText.ident(name))\(admin.serverVersion >= 130000 ? " WITH (FORCE)" : "")")
                _ = try? admin.execute("DROP ROLE IF EXISTS \(SQLText.ident(name))")
            }
        }
        let quoted = SQLText.ident(name), role = SQLText.ident(name)
        let originText: String
        var spare: String?
        switch origin {
        case .snapshot(let template):
            spare = try createFromSnapshot(template, name: name, admin)
            originText = "snapshot " + template
        case .empty:
            try Self.createDatabase("CREATE DATABASE \(quoted) TEMPLATE template0 ENCODING 'UTF8'", name: name, admin, log: log)
            originText = "empty"
        case .copy(let otherEnvironment):
            let source = try validated(otherEnvironment)
            guard source != name else { throw DataError("environment \(environment) cannot be a copy of itself") }
            guard try Self.databaseExists(source, admin) else { throw DataError("environment \(otherEnvironment) has no database to copy") }
            try Self.createDatabase("CREATE DATABASE \(quoted) TEMPLATE template0 ENCODING 'UTF8'", name: name, admin, log: log)
            originText = "copy of " + otherEnvironment
        }
        try SQLText.run("granting \(name) its database") {
            try admin.execute("GRANT CONNECT, TEMPORARY, CREATE ON DATABASE \(quoted) TO \(role); ALTER DATABASE \(quoted) ALLOW_CONNECTIONS true")
            let inside = try PostgresConnection(server.adminParameters().with(database: name).conninfo)
            try inside.execute("SET search_path = pg_catalog, pg_temp")
            if case .snapshot = origin {
                try inside.execute("REASSIGN OWNED BY \(SQLText.ident(SnapshotEngine.ownerRole)) TO \(role)")
            }
            try inside.execute("ALTER SCHEMA public OWNER TO \(role)")
        }
        if case .copy(let other) = origin {
            try copy(from: database(for: other), into: name, role: name)
        }
        try checkIsolation(name, admin)
        let comment = Self.comment(environment: environment, origin: originText)
        try SQLText.run("labelling \(name)") {
            try admin.execute("COMMENT ON DATABASE \(quoted) IS \(SQLText.literal(comment))")
        }
        done = true
        log("environment \(environment): database \(name) created (\(originText)\(spare.map { ", from spare \($0)" } ?? ""))")
        return try credentials(name: name, password: password)
    }

    /// The credentials of the existing database of `environment`, after setting its role's
    /// password to `password`.
    public func credentials(_ environment: String, password: String) throws(DataError) -> DatabaseCredentials {
        let name = try validated(environment)
        guard !password.isEmpty else { throw DataError("environment \(environment): the database password is empty") }
        let admin = try server.connectAdmin()
        guard try Self.databaseExists(name, admin) else { throw DataError("environment \(environment) has no database") }
        try createRole(name, password: password, admin)
        return try credentials(name: name, password: password)
    }

    /// Runs `statements` in one transaction as the environment's role on its database
    /// (neutralization SQL). Errors name the statement's index, never row values.
    public func run(_ environment: String, statements: [String], password: String) throws(DataError) {
        let name = try validated(environment)
        let connection = try server.connect(database: name, user: name, password: password)
        try SQLText.run("environment \(environment): starting the transaction", secrets: [password]) { try connection.execute("BEGIN") }
        for (index, statement) in statements.enumerated() {
            do {
                try connection.execute(statement)
            } catch {
                try? connection.execute("ROLLBACK")
                throw DataError("environment \(environment): statement \(index + 1) failed: \(SQLText.dataError(error, secrets: [password]))")
            }
        }
        try SQLText.run("environment \(environment): committing", data: true, secrets: [password]) { try connection.execute("COMMIT") }
    }

    /// The credential scan of the environment's database (as the admin: sees every row).
    public func scan(_ environment: String, rules: SnapshotRules) throws(DataError) -> ScanResult {
        let name = try validated(environment)
        let admin = try server.connectAdmin()
        guard try Self.databaseExists(name, admin) else { throw DataError("environment \(environment) has no database") }
        let connection = try DataServer.connect(try server.adminParameters().with(database: name), what: "the admin connection to \(name)")
        return try CredentialScanner(rules).scan(connection, secrets: rules.productionSecrets)
    }

    /// Drops the environment's database (its sessions terminated) and role; idempotent.
    public func drop(_ environment: String) throws(DataError) {
        let name = try validated(environment)
        let admin = try server.connectAdmin()
        try SQLText.run("dropping the database of \(environment)") {
            try admin.run("SELECT pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE (datname = $1 OR usename = $1) AND pid <> pg_backend_pid()", [.text(name)])
            try admin.execute("DROP DATABASE IF EXISTS \(SQLText.ident(name))\(admin.serverVersion >= 130000 ? " WITH (FORCE)" : "")")
            try admin.execute("DROP ROLE IF EXISTS \(SQLText.ident(name))")
        }
        log("environment \(environment): database \(name) dropped")
    }

    /// The environments that have a database on this server (their names, from each
    /// database's label).
    public func list() throws(DataError) -> [String] {
        let admin = try server.connectAdmin()
        let rows = try SQLText.run("listing environment databases") {
            try admin.query("""
                SELECT datname, pg_catalog.shobj_description(oid, 'pg_database') AS label FROM pg_catalog.pg_database
                WHERE datname LIKE 'slipway\\_env\\_%' ORDER BY datname
                """)
        }
        return rows.compactMap { row in
            guard let label = row["label"], let data = label.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let environment = object["environment"] as? String,
                  Self.databaseName(for: environment) == row["datname"]
            else { return nil }
            return environment
        }.sorted()
    }

    // MARK: Internals

    private func validated(_ environment: String) throws(DataError) -> String {
        guard !environment.isEmpty, environment.utf8.count <= 200,
              !environment.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { throw DataError("invalid environment name \(environment.debugDescription)") }
        return database(for: environment)
    }

    static func databaseExists(_ name: String, _ admin: PostgresConnection) throws(DataError) -> Bool {
        try SQLText.run("looking up database \(name)") {
            try admin.query("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", [.text(name)]).count > 0
        }
    }

    private func credentials(name: String, password: String) throws(DataError) -> DatabaseCredentials {
        let endpoint = try server.appEndpoint()
        return DatabaseCredentials(host: appHost ?? endpoint.host, port: appPort ?? endpoint.port,
                                   database: name, user: name, password: password)
    }

    /// Creates or updates the LOGIN role `name` with `password` (encrypted here, so the clear
    /// password never reaches the server's logs).
    private func createRole(_ name: String, password: String, _ admin: PostgresConnection) throws(DataError) {
        try SQLText.run("creating role \(name)", secrets: [password]) {
            let verifier = try admin.encryptPassword(password, user: name)
            let options = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD \(SQLText.literal(verifier))"
            let exists = try admin.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", [.text(name)]).count > 0
            if exists {
                try admin.execute("ALTER ROLE \(SQLText.ident(name)) \(options)")
            } else {
                try admin.execute("CREATE ROLE \(SQLText.ident(name)) \(options)")
            }
        }
    }

    /// `postgres` and `template1` accept every role by default: environment roles must not.
    /// Revoked only while PUBLIC still has a privilege there, one creation at a time: two
    /// concurrent REVOKEs on one database fail with "tuple concurrently updated".
    private func closeServerDatabases(_ admin: PostgresConnection) throws(DataError) {
        try DatabaseLocks.shared.withLock("postgres and template1") { () throws(DataError) in
            try SQLText.run("revoking CONNECT on postgres and template1 from PUBLIC") {
                let open = try admin.query("""
                    SELECT datname FROM pg_catalog.pg_database WHERE datname IN ('postgres', 'template1')
                    AND (has_database_privilege('public', oid, 'CONNECT') OR has_database_privilege('public', oid, 'TEMPORARY'))
                    """)
                guard !open.isEmpty else { return }
                try admin.execute("REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC; REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC")
            }
        }
    }

    /// A spare of `template` renamed to `name` when one is ready (returns its old name), else a
    /// file copy of the template (returns nil). Either way the database ends closed, with no
    /// privilege for PUBLIC; the caller grants its role and opens it.
    private func createFromSnapshot(_ template: String, name: String, _ admin: PostgresConnection) throws(DataError) -> String? {
        guard SnapshotEngine.isSnapshotName(template),
              let record = try SnapshotEngine.records(admin).first(where: { $0.name == template })
        else { throw DataError("no snapshot \(template.debugDescription) on the server") }
        guard record.scan.passed, record.verify.allSatisfy(\.passed) else {
            throw DataError("snapshot \(template) did not pass its last verification; make a new one")
        }
        if let spares, let spare = try spares.take(template, as: name, admin) {
            spares.requestReplenish()  // the next one
            return spare
        }
        let strategy = admin.serverVersion >= 150000 ? " STRATEGY FILE_COPY" : ""
        let statement = "CREATE DATABASE \(SQLText.ident(name)) TEMPLATE \(SQLText.ident(template))\(strategy)"
        try DatabaseLocks.shared.withLock(template) { () throws(DataError) in
            try Self.createDatabase(statement, name: name, admin, log: log)
        }
        // None was ready: ask for one now that the template is free (asking before the copy
        // would make this copy wait behind the spare's).
        spares?.requestReplenish()
        return nil
    }

    /// Runs a CREATE DATABASE (retrying when another session holds the template) that leaves
    /// the database closed: created with `ALLOW_CONNECTIONS false`, then PUBLIC's privileges
    /// revoked. Nobody can connect to it, nor is any role seen able to (another environment's
    /// isolation check runs meanwhile), until the caller grants its role and `open`s it.
    static func createDatabase(_ statement: String, name: String, _ admin: PostgresConnection, log: (String) -> Void) throws(DataError) {
        var attempt = 0
        while true {
            do {
                try admin.execute(statement + " ALLOW_CONNECTIONS false")
                try admin.execute("REVOKE ALL ON DATABASE \(SQLText.ident(name)) FROM PUBLIC")
                return
            } catch let error as PostgresError where error.sqlState == "55006" && attempt < 5 {
                attempt += 1
                log("database \(name): template busy, retrying (\(attempt))")
                Thread.sleep(forTimeInterval: 0.2 * Double(attempt))  // back-off before a retry, not synchronisation
            } catch {
                throw DataError("creating database \(name) failed: \(error)")
            }
        }
    }

    /// Lets those with CONNECT in (after `createDatabase`).
    static func open(_ name: String, _ admin: PostgresConnection) throws(DataError) {
        try SQLText.run("opening \(name)") {
            try admin.execute("ALTER DATABASE \(SQLText.ident(name)) ALLOW_CONNECTIONS true")
        }
    }

    private func copy(from source: String, into target: String, role: String) throws(DataError) {
        let admin = try server.adminParameters()
        let tools = try PostgresTools(server: server, serverMajor: try server.connectAdmin().serverVersion / 10000)
        defer { tools.close() }
        let result = try tools.pipe(dump: ["--format=custom", "--no-owner", "--no-acl"], from: admin.with(database: source),
                                    restore: ["--no-owner", "--no-acl", "--role=\(role)", "--exit-on-error"], into: admin.with(database: target))
        guard result.dump.status == 0 else {
            throw DataError("pg_dump of \(source) failed (exit \(result.dump.status)): \(SQLText.withoutQuoted(result.dump.errors))")
        }
        guard result.restore.status == 0 else {
            throw DataError("pg_restore into \(target) failed (exit \(result.restore.status)): \(SQLText.withoutQuoted(result.restore.errors))")
        }
    }

    /// Refuses a role that could connect to another Slipway database or to `postgres`.
    private func checkIsolation(_ name: String, _ admin: PostgresConnection) throws(DataError) {
        let reachable = try SQLText.run("checking what \(name) can connect to") {
            try admin.query("""
                SELECT datname FROM pg_catalog.pg_database
                WHERE datallowconn AND datname <> $1 AND has_database_privilege($1, oid, 'CONNECT')
                ORDER BY datname
                """, [.text(name)]).compactMap { $0[0] }
        }
        let forbidden = reachable.filter { $0.hasPrefix("slipway_") || $0 == "postgres" || $0 == "template1" }
        guard forbidden.isEmpty else {
            throw DataError("role \(name) could connect to \(forbidden.joined(separator: ", ")); refusing the environment database")
        }
        if !reachable.isEmpty {
            log("warning: role \(name) may connect to other databases of the server: \(reachable.joined(separator: ", ")) (revoke CONNECT from PUBLIC there)")
        }
    }

    static func comment(environment: String, origin: String) -> String {
        let object: [String: String] = ["environment": environment, "origin": origin,
                                        "createdAt": ISO8601DateFormatter().string(from: Date())]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
