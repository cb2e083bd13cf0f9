import Foundation
import Postgres
import SlipwayCore

/// Makes, lists, re-checks and drops sanitized production snapshots on the operator's server.
///
/// `create`: check `pg_dump`'s version against production's, `pg_dump -Fc` into a private work
/// directory, create `slipway_snap_<UTC time>`, `pg_restore --no-owner --no-acl` into it with every
/// object owned by the NOLOGIN role `slipway_snapshot_owner`, then — logged in as a temporary
/// non-superuser role that acts as that owner (so a `sql:` rule cannot do superuser things, nor
/// `RESET ROLE` back to one) — apply the sanitize rules in one transaction and run the verify
/// queries in a read-only transaction. `VACUUM FULL` then rewrites every table, so no
/// pre-sanitize row version stays in the files that copies are made from. The credential scan
/// (`CredentialScanner`) runs last. A refused snapshot is dropped; a passing one becomes a template
/// database nobody but superusers may connect to, its record stored as the database's comment,
/// and older snapshots beyond `keep` are dropped, each with its spare copies (`SparePool`).
///
/// Thread safety: calls may come from any thread; `create` calls of one process are serialized,
/// and a snapshot is never dropped while an environment database is being copied from it.
/// Every call blocks (pg_dump, the server): run it off the cooperative pool.
public final class SnapshotEngine: @unchecked Sendable {
    public static let ownerRole = "slipway_snapshot_owner"
    public static let namePrefix = "slipway_snap_"

    let server: DataServer
    /// Asked for a spare copy when a snapshot passes (see `SparePool`); nil: none are made here.
    public let spares: SparePool?
    let log: @Sendable (String) -> Void
    private static let createLock = NSLock()

    public init(server: DataServer, spares: SparePool? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.server = server
        self.spares = spares
        self.log = log
    }

    // MARK: Create

    public func create(rules: SnapshotRules, keep: Int = 3) throws(DataError) -> SnapshotRecord {
        guard keep >= 1 else { throw DataError("keep must be at least 1 (got \(keep))") }
        Self.createLock.lock()
        defer { Self.createLock.unlock() }
        let started = Date()
        var durations: [String: Double] = [:]
        let secrets = rules.productionSecrets
        func timed<T>(_ step: String, _ body: () throws(DataError) -> T) throws(DataError) -> T {
            let start = Date()
            defer { durations[step] = Date().timeIntervalSince(start) }
            return try body()
        }

        let productionParameters = try server.productionParameters()
        let source = DataServer.describe(productionParameters)
        let (productionMajor, productionVersion): (Int, String) = try {
            () throws(DataError) -> (Int, String) in
            let production = try DataServer.connect(productionParameters, what: "the production source \(source)")
            let version = try SQLText.run("reading the production server's version") {
                try production.query("SHOW server_version").first?[0] ?? "unknown"
            }
            return (production.serverVersion / 10000, version)
        }()
        let admin = try server.connectAdmin()
        let adminMajor = admin.serverVersion / 10000
        let tools = try PostgresTools(server: server, serverMajor: max(productionMajor, adminMajor))
        defer { tools.close() }
        let dumpMajor = try tools.majorVersion("pg_dump")
        guard dumpMajor >= productionMajor else {
            throw DataError("pg_dump \(dumpMajor) (\(tools.path("pg_dump"))) is older than the production server (\(productionVersion)): install postgresql-client-\(productionMajor) or newer, or set the tools directory")
        }
        let restoreMajor = try tools.majorVersion("pg_restore")
        guard restoreMajor >= dumpMajor else {
            throw DataError("pg_restore \(restoreMajor) cannot read archives of pg_dump \(dumpMajor): use the tools of one version")
        }

        let name = try uniqueName(admin, at: started)
        log("snapshot \(name): dumping \(source)")
        let dumpFile = tools.workDirectory + "/production.dump"
        let dump = try timed("dump") { () throws(DataError) in
            try tools.run("pg_dump", ["--format=custom", "--no-owner", "--no-acl", "--file=" + dumpFile], parameters: productionParameters)
        }
        guard dump.status == 0 else {
            throw DataError("pg_dump of \(source) failed (exit \(dump.status)): \(SQLText.scrub(dump.errors, secrets: secrets))")
        }

        try ensureOwnerRole(admin)
        try EnvironmentDatabases.createDatabase("CREATE DATABASE \(SQLText.ident(name)) TEMPLATE template0 ENCODING 'UTF8'",
                                                name: name, admin, log: { _ in })
        var keepDatabase = false
        defer {
            if !keepDatabase {
                try? admin.execute("DROP DATABASE IF EXISTS \(SQLText.ident(name))\(adminMajor >= 13 ? " WITH (FORCE)" : "")")
            }
        }
        let owner = SQLText.ident(Self.ownerRole), quotedName = SQLText.ident(name)
        try SQLText.run("preparing snapshot database \(name)") {
            try admin.execute("GRANT CONNECT, CREATE, TEMPORARY ON DATABASE \(quotedName) TO \(owner); ALTER DATABASE \(quotedName) ALLOW_CONNECTIONS true")
            let inside = try PostgresConnection(server.adminParameters().with(database: name).conninfo)
            try inside.execute("ALTER SCHEMA public OWNER TO \(owner)")
        }

        var restoreParameters = try server.adminParameters()
        restoreParameters["dbname"] = name
        log("snapshot \(name): restoring")
        let restore = try timed("restore") { () throws(DataError) in
            try tools.run("pg_restore", ["--no-owner", "--no-acl", "--role=\(Self.ownerRole)", "--exit-on-error",
                                         "--jobs=\(max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)))", dumpFile],
                          parameters: restoreParameters)
        }
        try? FileManager.default.removeItem(atPath: dumpFile)
        guard restore.status == 0 else {
            throw DataError("pg_restore into \(name) failed (exit \(restore.status)): \(SQLText.scrub(SQLText.withoutQuoted(restore.errors), secrets: secrets))")
        }

        let verify = try withWorker(admin, database: name) { (worker) throws(DataError) -> [VerifyResult] in
            log("snapshot \(name): sanitizing")
            try timed("sanitize") { () throws(DataError) in
                try SQLText.run("sanitizing \(name)", data: true, secrets: secrets) {
                    try worker.transaction {
                        try Sanitizer(connection: worker, secrets: secrets).apply(rules.sanitize)
                    }
                }
            }
            return try timed("verify") { () throws(DataError) in try self.runVerify(worker, rules: rules) }
        }
        try timed("vacuum") { () throws(DataError) in
            try SQLText.run("VACUUM FULL of \(name)", data: true, secrets: secrets) {
                try PostgresConnection(server.adminParameters().with(database: name).conninfo).execute("VACUUM (FULL, ANALYZE)")
            }
        }
        if let failed = verify.firstIndex(where: { !$0.passed }) {
            throw DataError("snapshot refused: verify query \(failed + 1) returned \(verify[failed].rows) row(s): \(verify[failed].query)")
        }
        let scan = try timed("scan") { () throws(DataError) in try self.scan(database: name, rules: rules) }
        guard scan.passed else {
            throw DataError("snapshot refused by the credential scan: " + Self.describe(scan))
        }

        let size = try SQLText.run("measuring \(name)") {
            try admin.query("SELECT pg_database_size($1) AS size", [.text(name)]).first?.int64("size") ?? 0
        }
        durations["total"] = Date().timeIntervalSince(started)
        let record = SnapshotRecord(
            name: name, createdAt: Date(timeIntervalSince1970: started.timeIntervalSince1970.rounded(.down)),
            source: source, sourceServerVersion: productionVersion, sizeBytes: size,
            rules: rules.sanitize.flatMap(\.summary), verify: verify, scan: scan, durations: durations)
        try store(record, admin)
        try SQLText.run("making \(name) a template") {
            try admin.execute("REVOKE ALL ON DATABASE \(quotedName) FROM \(owner); ALTER DATABASE \(quotedName) IS_TEMPLATE true")
        }
        keepDatabase = true
        log("snapshot \(name): ready (\(size) bytes)")
        try prune(keep: keep, admin)
        spares?.requestReplenish()
        return record
    }

    // MARK: Records

    public func list() throws(DataError) -> [SnapshotRecord] {
        let admin = try server.connectAdmin()
        return try Self.records(admin)
    }

    public func show(_ name: String) throws(DataError) -> SnapshotRecord? {
        try list().first { $0.name == name }
    }

    /// The newest snapshot whose verify queries and scan passed.
    public func newest() throws(DataError) -> SnapshotRecord? {
        try list().first { $0.scan.passed && $0.verify.allSatisfy(\.passed) }
    }

    /// Re-runs the verify queries and the scan on snapshot `name` and stores the new results;
    /// a snapshot that no longer passes is kept but `newest()` skips it and environments refuse it.
    public func verify(_ name: String, rules: SnapshotRules) throws(DataError) -> SnapshotRecord {
        let admin = try server.connectAdmin()
        guard var record = try Self.records(admin).first(where: { $0.name == name }) else {
            throw DataError("no snapshot \(name)")
        }
        try DatabaseLocks.shared.withLock(name) { () throws(DataError) in
            let start = Date()
            try SQLText.run("opening \(name) for verification") {
                try admin.execute("GRANT CONNECT ON DATABASE \(SQLText.ident(name)) TO \(SQLText.ident(Self.ownerRole))")
            }
            defer { try? admin.execute("REVOKE ALL ON DATABASE \(SQLText.ident(name)) FROM \(SQLText.ident(Self.ownerRole))") }
            record.verify = try withWorker(admin, database: name) { (worker) throws(DataError) in try runVerify(worker, rules: rules) }
            record.durations["verify"] = Date().timeIntervalSince(start)
            let scanStart = Date()
            record.scan = try scan(database: name, rules: rules)
            record.durations["scan"] = Date().timeIntervalSince(scanStart)
        }
        try store(record, admin)
        return record
    }

    public func drop(_ name: String) throws(DataError) {
        guard Self.isSnapshotName(name) else { throw DataError("\(name.debugDescription) is not a snapshot name (\(Self.namePrefix)...)") }
        let admin = try server.connectAdmin()
        try drop(name, admin)
    }

    // MARK: Internals

    static func isSnapshotName(_ name: String) -> Bool {
        name.hasPrefix(namePrefix) && name.utf8.count <= 63
            && name.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }
    }

    static func records(_ admin: PostgresConnection) throws(DataError) -> [SnapshotRecord] {
        let rows = try SQLText.run("listing snapshots") {
            try admin.query("""
                SELECT datname, pg_catalog.shobj_description(oid, 'pg_database') AS record FROM pg_catalog.pg_database
                WHERE datname LIKE 'slipway\\_snap\\_%' AND datistemplate
                """)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return rows.compactMap { row -> SnapshotRecord? in
            guard let text = row["record"], var record = try? decoder.decode(SnapshotRecord.self, from: Data(text.utf8)) else { return nil }
            record.name = row["datname"]!
            return record
        }.sorted { ($0.createdAt, $0.name) > ($1.createdAt, $1.name) }
    }

    private func store(_ record: SnapshotRecord, _ admin: PostgresConnection) throws(DataError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: (try? encoder.encode(record)) ?? Data(), as: UTF8.self)
        try SQLText.run("storing the record of \(record.name)") {
            try admin.execute("COMMENT ON DATABASE \(SQLText.ident(record.name)) IS \(SQLText.literal(json))")
        }
    }

    private func uniqueName(_ admin: PostgresConnection, at date: Date) throws(DataError) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        let base = Self.namePrefix + formatter.string(from: date)
        let taken = try SQLText.run("listing databases") {
            Set(try admin.query("SELECT datname FROM pg_catalog.pg_database WHERE datname LIKE $1", [.text(base + "%")]).compactMap { $0[0] })
        }
        if !taken.contains(base) { return base }
        return (2...).lazy.map { "\(base)_\($0)" }.first { !taken.contains($0) }!
    }

    private func ensureOwnerRole(_ admin: PostgresConnection) throws(DataError) {
        try SQLText.run("creating role \(Self.ownerRole)") {
            let exists = try admin.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", [.text(Self.ownerRole)]).count > 0
            if !exists {
                do {
                    try admin.execute("CREATE ROLE \(SQLText.ident(Self.ownerRole)) NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS")
                } catch let error as PostgresError where error.sqlState == "42710" {
                    // Created concurrently by another process.
                }
            }
        }
    }

    /// Runs `body` on a connection to `database` as a temporary LOGIN role that is a member of
    /// the owner role (and acts as it): a real non-superuser session, unlike `SET ROLE` from a
    /// superuser's. The role is dropped afterwards, whatever happened.
    func withWorker<T>(_ admin: PostgresConnection, database: String, _ body: (PostgresConnection) throws(DataError) -> T) throws(DataError) -> T {
        let worker = "slipway_snapshot_worker_" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))
        let password = Self.randomPassword()
        let quotedWorker = SQLText.ident(worker), quotedDatabase = SQLText.ident(database)
        try SQLText.run("creating the sanitizing role", secrets: [password]) {
            let verifier = try admin.encryptPassword(password, user: worker)
            try admin.execute("CREATE ROLE \(quotedWorker) LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD \(SQLText.literal(verifier)) IN ROLE \(SQLText.ident(Self.ownerRole))")
            try admin.execute("GRANT CONNECT, TEMPORARY ON DATABASE \(quotedDatabase) TO \(quotedWorker)")
        }
        defer {
            // Objects a sql: rule created as the worker go to the owner; then the role goes.
            if let inside = try? PostgresConnection((try? server.adminParameters().with(database: database).conninfo) ?? "") {
                try? inside.execute("REASSIGN OWNED BY \(quotedWorker) TO \(SQLText.ident(Self.ownerRole)); DROP OWNED BY \(quotedWorker)")
            }
            _ = try? admin.run("SELECT pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = $1", [.text(worker)])
            try? admin.execute("REVOKE ALL ON DATABASE \(quotedDatabase) FROM \(quotedWorker); DROP ROLE IF EXISTS \(quotedWorker)")
        }
        let connection = try server.connect(database: database, user: worker, password: password)
        try SQLText.run("acting as \(Self.ownerRole)") { try connection.execute("SET ROLE \(SQLText.ident(Self.ownerRole))") }
        return try body(connection)
    }

    func runVerify(_ worker: PostgresConnection, rules: SnapshotRules) throws(DataError) -> [VerifyResult] {
        var results: [VerifyResult] = []
        try SQLText.run("starting the verify transaction") { try worker.execute("BEGIN READ ONLY") }
        defer { try? worker.execute("ROLLBACK") }
        for (index, query) in rules.verify.enumerated() {
            var text = query.trimmingCharacters(in: .whitespacesAndNewlines)
            while text.hasSuffix(";") { text = String(text.dropLast()).trimmingCharacters(in: .whitespacesAndNewlines) }
            let count = try SQLText.run("verify query \(index + 1) (\(query)) failed", data: true, secrets: rules.productionSecrets) {
                try worker.execute("SAVEPOINT slipway_verify")
                let rows = try worker.query("SELECT count(*) AS n FROM (\(text)\n) AS slipway_verify")
                try worker.execute("RELEASE SAVEPOINT slipway_verify")
                return rows.first?.int("n") ?? 0
            }
            results.append(VerifyResult(query: query, rows: count))
        }
        return results
    }

    func scan(database: String, rules: SnapshotRules) throws(DataError) -> ScanResult {
        let connection = try DataServer.connect(try server.adminParameters().with(database: database), what: "the admin connection to \(database)")
        return try CredentialScanner(rules).scan(connection, secrets: rules.productionSecrets)
    }

    static func describe(_ scan: ScanResult) -> String {
        scan.findings.map(\.description).joined(separator: "; ")
            + (scan.findings.count >= CredentialScanner.findingLimit ? " (stopped after \(CredentialScanner.findingLimit) findings)" : "")
    }

    private func prune(keep: Int, _ admin: PostgresConnection) throws(DataError) {
        let records = try Self.records(admin)
        for record in records.dropFirst(keep) {
            log("snapshot \(record.name): dropped (keeping the newest \(keep))")
            try drop(record.name, admin)
        }
    }

    private func drop(_ name: String, _ admin: PostgresConnection) throws(DataError) {
        try DatabaseLocks.shared.withLock(name) { () throws(DataError) in
            try SQLText.run("dropping snapshot \(name)") {
                let exists = try admin.query("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", [.text(name)]).count > 0
                try SparePool.dropSpares(of: name, admin, log: log)
                guard exists else { return }
                try admin.execute("ALTER DATABASE \(SQLText.ident(name)) IS_TEMPLATE false")
                try admin.execute("DROP DATABASE IF EXISTS \(SQLText.ident(name))\(admin.serverVersion >= 130000 ? " WITH (FORCE)" : "")")
            }
        }
    }

    static func randomPassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(UInt8.random(in: 0...15, using: &generator), radix: 16) }.joined()
    }
}

extension ConnectionParameters {
    func with(database: String) -> ConnectionParameters {
        var copy = self
        copy["dbname"] = database
        return copy
    }
}
