import Foundation
import Postgres

/// Spare copies of the newest snapshot, made before anyone asks for one, so a preview database
/// is a rename instead of a gigabyte file copy.
///
/// A spare is `slipway_spare_<snapshot suffix>_<n>` (n = 1...perSnapshot), a `FILE_COPY` of the
/// snapshot template, with `ALLOW_CONNECTIONS false` and no privilege for PUBLIC (so no
/// environment role can reach it), labelled with the snapshot's name and database oid.
/// `EnvironmentDatabases` takes one with `ALTER DATABASE ... RENAME` — atomic on the server, so
/// two creations never get the same spare (the loser tries the next, then copies the
/// template) — and falls back to the template copy when there is none.
///
/// Only the newest snapshot that passed gets spares (the disk they use is bounded by
/// `perSnapshot` copies of one snapshot); spares of any other snapshot, of a dropped one, with
/// a wrong label (half made by a crashed process) or beyond `perSnapshot` are dropped by the
/// next `replenish()`. `SnapshotEngine` drops a snapshot's spares with it.
///
/// Two ways to run it: `replenish()` (synchronous; blocks while it copies), or `start()`: one
/// background thread owned by the pool replenishes at start and whenever `requestReplenish()`
/// is called (after a snapshot passes, after a spare is taken or missed), one pass at a time,
/// with at most one pending request; `stop()` ends it. Without `start()` requests are ignored.
///
/// Thread safety: every method may be called from any thread; replenishing passes are serialized.
public final class SparePool: @unchecked Sendable {
    public static let namePrefix = "slipway_spare_"
    /// Each spare is a full copy of the snapshot: more than this is refused.
    public static let maximumPerSnapshot = 8

    public let perSnapshot: Int
    let server: DataServer
    let log: @Sendable (String) -> Void

    private let passLock = NSLock()
    private let condition = NSCondition()
    private var thread: Thread?
    private var requested = false
    private var running = false
    private var stopping = false
    private var busy = false

    /// `perSnapshot`: how many spares the newest snapshot keeps (0: none; at most
    /// `maximumPerSnapshot`).
    public init(server: DataServer, perSnapshot: Int = 1, log: @escaping @Sendable (String) -> Void = { _ in }) throws(DataError) {
        guard (0...Self.maximumPerSnapshot).contains(perSnapshot) else {
            throw DataError("spares must be between 0 and \(Self.maximumPerSnapshot) per snapshot (got \(perSnapshot)); each is a full copy of the snapshot")
        }
        self.server = server
        self.perSnapshot = perSnapshot
        self.log = log
    }

    // MARK: Replenishing

    /// One synchronous pass: drops stale spares, then copies the newest passing snapshot until
    /// it has `perSnapshot` spares. Returns the names of the spares made.
    @discardableResult
    public func replenish() throws(DataError) -> [String] {
        passLock.lock()
        defer { passLock.unlock() }
        let admin = try server.connectAdmin()
        let newest = try SnapshotEngine.records(admin).first { $0.scan.passed && $0.verify.allSatisfy(\.passed) }
        var oid: String?
        if let newest { oid = try Self.oid(of: newest.name, admin) }
        var kept: Set<Int> = []
        for spare in try Self.spares(admin) {
            let current = newest.map { spare.snapshot == $0.name } ?? false
            if current, let oid, spare.label == Self.label(snapshot: spare.snapshot, oid: oid), spare.number <= perSnapshot {
                kept.insert(spare.number)
                continue
            }
            log("spare \(spare.name): dropped (\(current ? "not usable or beyond \(perSnapshot)" : "not of the newest snapshot"))")
            try Self.dropDatabase(spare.name, admin)
        }
        guard let newest, let oid, perSnapshot > 0 else { return [] }
        var made: [String] = []
        for number in 1...perSnapshot where !kept.contains(number) {
            if isStopping { break }
            guard let name = Self.spareName(snapshot: newest.name, number: number) else { break }
            if try make(name, of: newest.name, oid: oid, admin) { made.append(name) } else { break }
        }
        return made
    }

    /// Starts the background thread; it replenishes at once (cleaning what a crashed process
    /// left). Idempotent; a stopped pool does not start again.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard thread == nil, !stopping else { return }
        requested = true
        let thread = Thread { [self] in loop() }
        thread.name = "slipway-spares"
        self.thread = thread
        running = true
        thread.start()
    }

    /// Asks the background thread for a pass (coalesced with any pending one). Returns at
    /// once; does nothing when the pool was not started.
    public func requestReplenish() {
        condition.lock()
        defer { condition.unlock() }
        guard thread != nil, !stopping else { return }
        requested = true
        condition.broadcast()
    }

    /// Waits until no pass is requested or running (or the thread ended); false when
    /// `timeout` passed first.
    @discardableResult
    public func waitUntilIdle(timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while running && (requested || busy) {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }

    /// Stops the background thread after its current copy (a copy in progress is finished, not
    /// interrupted; the rest of the pass is skipped). Idempotent.
    public func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        thread = nil
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func loop() {
        while true {
            condition.lock()
            while !requested && !stopping { condition.wait() }
            if stopping {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            requested = false
            busy = true
            condition.unlock()
            do {
                let made = try replenish()
                if !made.isEmpty { log("spares made: \(made.joined(separator: ", "))") }
            } catch {
                log("spares: replenishing failed: \(error)")
            }
            condition.lock()
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }

    // MARK: Taking

    /// Renames a ready spare of `snapshot` to `database`; nil when there is none (or another
    /// session took each one first). The caller opens the database to connections and gives it
    /// to its role.
    func take(_ snapshot: String, as database: String, _ admin: PostgresConnection) throws(DataError) -> String? {
        guard perSnapshot > 0, let oid = try Self.oid(of: snapshot, admin) else { return nil }
        let label = Self.label(snapshot: snapshot, oid: oid)
        let ready = try Self.spares(admin).filter { $0.snapshot == snapshot && $0.label == label }.sorted { $0.number < $1.number }
        for spare in ready {
            do {
                try admin.execute("ALTER DATABASE \(SQLText.ident(spare.name)) RENAME TO \(SQLText.ident(database))")
                return spare.name
            } catch let error as PostgresError where error.sqlState == "3D000" || error.sqlState == "55006" {
                // Taken (or being dropped) by another session: try the next one.
                continue
            } catch {
                throw DataError("renaming spare \(spare.name) to \(database) failed: \(error)")
            }
        }
        return nil
    }

    // MARK: Names and listing

    struct Spare {
        var name: String
        var snapshot: String
        var number: Int
        var label: String?
    }

    /// `slipway_spare_<suffix>_<number>` for snapshot `slipway_snap_<suffix>`; nil when the
    /// name would be too long for PostgreSQL.
    static func spareName(snapshot: String, number: Int) -> String? {
        guard snapshot.hasPrefix(SnapshotEngine.namePrefix) else { return nil }
        let name = namePrefix + snapshot.dropFirst(SnapshotEngine.namePrefix.count) + "_\(number)"
        return name.utf8.count <= 63 ? name : nil
    }

    /// The snapshot a spare name belongs to and its number (the last `_<digits>`); nil for
    /// names that are not spares.
    static func parse(_ name: String) -> (snapshot: String, number: Int)? {
        guard name.hasPrefix(namePrefix), let separator = name.lastIndex(of: "_") else { return nil }
        let suffix = name[name.index(name.startIndex, offsetBy: namePrefix.count)..<separator]
        let digits = name[name.index(after: separator)...]
        guard !suffix.isEmpty, !digits.isEmpty, digits.utf8.count <= 3, digits.allSatisfy(\.isASCII),
              let number = Int(digits), number >= 1 else { return nil }
        let snapshot = SnapshotEngine.namePrefix + suffix
        return SnapshotEngine.isSnapshotName(snapshot) ? (snapshot, number) : nil
    }

    static func label(snapshot: String, oid: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: ["spareOf": snapshot, "templateOid": oid], options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Every spare on the server, with its label.
    static func spares(_ admin: PostgresConnection) throws(DataError) -> [Spare] {
        let rows = try SQLText.run("listing spare databases") {
            try admin.query("""
                SELECT datname, pg_catalog.shobj_description(oid, 'pg_database') AS label FROM pg_catalog.pg_database
                WHERE datname LIKE 'slipway\\_spare\\_%' ORDER BY datname
                """)
        }
        return rows.compactMap { row in
            guard let name = row["datname"], let parsed = parse(name) else { return nil }
            return Spare(name: name, snapshot: parsed.snapshot, number: parsed.number, label: row["label"])
        }
    }

    static func oid(of database: String, _ admin: PostgresConnection) throws(DataError) -> String? {
        try SQLText.run("looking up database \(database)") {
            try admin.query("SELECT oid::text AS oid FROM pg_catalog.pg_database WHERE datname = $1", [.text(database)]).first?["oid"]
        }
    }

    /// Drops every spare of `snapshot` (the caller holds the snapshot's lock).
    static func dropSpares(of snapshot: String, _ admin: PostgresConnection, log: (String) -> Void) throws(DataError) {
        for spare in try spares(admin) where spare.snapshot == snapshot {
            try dropDatabase(spare.name, admin)
            log("spare \(spare.name): dropped with its snapshot")
        }
    }

    static func dropDatabase(_ name: String, _ admin: PostgresConnection) throws(DataError) {
        try SQLText.run("dropping spare \(name)") {
            try admin.execute("DROP DATABASE IF EXISTS \(SQLText.ident(name))\(admin.serverVersion >= 130000 ? " WITH (FORCE)" : "")")
        }
    }

    // MARK: Making one

    /// Copies `snapshot` into spare `name`, under the snapshot's lock (so it is not dropped
    /// meanwhile, and copies of it do not collide); false when the snapshot went away.
    private func make(_ name: String, of snapshot: String, oid: String, _ admin: PostgresConnection) throws(DataError) -> Bool {
        try DatabaseLocks.shared.withLock(snapshot) { () throws(DataError) -> Bool in
            guard try Self.oid(of: snapshot, admin) == oid,
                  try SnapshotEngine.records(admin).contains(where: { $0.name == snapshot && $0.scan.passed && $0.verify.allSatisfy(\.passed) })
            else { return false }
            let start = Date()
            let strategy = admin.serverVersion >= 150000 ? " STRATEGY FILE_COPY" : ""
            try EnvironmentDatabases.createDatabase("CREATE DATABASE \(SQLText.ident(name)) TEMPLATE \(SQLText.ident(snapshot))\(strategy)",
                                                    name: name, admin, log: log)
            var ready = false
            defer { if !ready { try? Self.dropDatabase(name, admin) } }
            let quoted = SQLText.ident(name)
            try SQLText.run("labelling spare \(name)") {
                // Created closed (no connections, nothing for PUBLIC) and left so until taken.
                try admin.execute("COMMENT ON DATABASE \(quoted) IS \(SQLText.literal(Self.label(snapshot: snapshot, oid: oid)))")
            }
            ready = true
            log(String(format: "spare \(name): copied from \(snapshot) in %.2f s", Date().timeIntervalSince(start)))
            return true
        }
    }
}
