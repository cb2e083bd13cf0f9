public import Foundation
import SQLite

/// The embedded default store: one SQLite file in WAL mode.
///
/// Durability: `synchronous=NORMAL` by default — a committed delivery survives `kill -9` of the
/// bot (the WAL is in the kernel before `journal` returns) but not a power loss; the periodic
/// reconcile repairs what a power loss could drop. `synchronous=FULL` (`?sync=full` in the store
/// URL) survives power loss at about a fifth of the write rate.
///
/// Thread-safe: one writer connection, used by one writer thread that commits every write of
/// every caller in group commits (`GroupCommitter`), and one reader connection for read-only
/// queries (deferred transactions: WAL lets them read the last commit
/// while the writer appends, so a reconcile's reads never hold up the journal). A `:memory:`
/// store has one connection for both.
public final class SQLiteStore: SQLStateStore {
    public let backendName = "sqlite"
    private let db: SQLiteConnection
    private let reader: SQLiteConnection
    private let checkpointer: Checkpointer
    private let journalWriter: GroupCommitter
    /// Refuses access when the files would crash the process (SIGBUS) or lose writes.
    private let fileGuard: SQLiteFileGuard?
    /// Where webhook bodies go (`<path>-bodies/`); nil for a `:memory:` store (bodies in rows).
    private let spool: BodySpool?
    /// Commits the rows of deliveries answered once in the spool; nil for a `:memory:` store.
    private let indexer: SpoolIndexer?
    /// Looks up delivery ids and body hashes for the webhook path (a connection of its own, so
    /// a long read elsewhere never holds up a webhook).
    private let lookup: SQLiteConnection
    /// The kv key of the spool position up to which every record is indexed (`segment:offset`).
    static let spoolWatermarkKey = "journal.spool.indexed"

    public convenience init(path: String, synchronousFull: Bool = false) throws {
        try self.init(path: path, synchronousFull: synchronousFull, walRestartBytes: WALRestart.defaultRestartBytes)
    }

    /// `walRestartBytes`: journaled bytes after which the journal writer makes the WAL start over
    /// (also sets the WAL file kept, 2x, and the TRUNCATE fallback, 4x).
    init(path: String, synchronousFull: Bool, walRestartBytes: Int) throws {
        do {
            let db = try SQLiteConnection(path: path)
            self.db = db
            // Checked before SQLite maps anything: an immutable `-shm` at start is an error too.
            let fileGuard = path == ":memory:" || path.isEmpty ? nil : try SQLiteFileGuard(path: path)
            self.fileGuard = fileGuard
            try fileGuard?.check()
            if let fileGuard { db.setAccessCheck { try fileGuard.check() } }
            try db.execute("PRAGMA journal_mode=WAL")
            try db.execute("PRAGMA synchronous=\(synchronousFull ? "FULL" : "NORMAL")")
            try db.execute("PRAGMA foreign_keys=ON")
            // Checkpoints (which fsync the database file) run on a background connection, not
            // in whichever request happened to commit the 1000th page.
            try db.execute("PRAGMA wal_autocheckpoint=0")
            try db.execute("PRAGMA journal_size_limit=\(2 * walRestartBytes)")
            try Migrator.migrate(sqlite: db)
            spool = path == ":memory:" || path.isEmpty ? nil : try BodySpool(directory: path + "-bodies", syncEachAppend: synchronousFull)
            let readerConnection = path.isEmpty || path == ":memory:" ? db : try SQLiteConnection(path: path, readOnly: true)
            // Read transactions touch the WAL index (state.db-shm) too: the same file check.
            if readerConnection !== db, let fileGuard { readerConnection.setAccessCheck { try fileGuard.check() } }
            reader = readerConnection
            checkpointer = try Checkpointer(path: path, fileGuard: fileGuard, truncateBytes: 4 * walRestartBytes)
            let writer = readerConnection === db
                ? GroupCommitter(db: db)
                : GroupCommitter(db: db, afterBatch: WALRestart(db: db, restartBytes: walRestartBytes).afterBatch)
            journalWriter = writer
            if let spool {
                let lookupConnection = try SQLiteConnection(path: path, readOnly: true)
                if let fileGuard { lookupConnection.setAccessCheck { try fileGuard.check() } }
                lookup = lookupConnection
                try Self.indexUnindexedRecords(of: spool, db: db, writer: writer)
                indexer = SpoolIndexer { entries in
                    try writer.perform(journaledBytes: Self.walBytesPerIndexedRow * entries.count) {
                        try Self.index(db, entries)
                    }
                }
            } else {
                lookup = db
                indexer = nil
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(operation: "open sqlite store", underlying: error)
        }
    }

    deinit {
        // Rows of deliveries already answered first, while the writer still runs.
        indexer?.stop()
        journalWriter.stop()
        checkpointer.stop()
    }

    @discardableResult
    func inTransaction<T>(_ operation: String, _ body: (any SQLExecutor) throws -> T) throws -> T {
        do {
            let db = db
            return try journalWriter.perform { try body(SQLiteExecutor(db: db)) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(operation: operation, underlying: error)
        }
    }

    @discardableResult
    func inReadTransaction<T>(_ operation: String, _ body: (any SQLExecutor) throws -> T) throws -> T {
        do {
            return try reader.transaction(.deferred) { try body(SQLiteExecutor(db: reader)) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(operation: operation, underlying: error)
        }
    }

    func lockJobClaims(_ executor: any SQLExecutor) throws {}

    public func ping() throws {
        do { _ = try db.query("SELECT 1") } catch { throw StoreError(operation: "ping", underlying: error) }
    }

    /// The files are usable (not gone, replaced or immutable), the file system has room, and a
    /// small write commits.
    public func checkWritable() throws {
        try fileGuard?.check()
        try fileGuard?.checkSpace()
        try setValue(String(Date().timeIntervalSince1970), forKey: Self.writeProbeKey)
    }

    public func journal(_ delivery: NewDelivery) throws -> JournalOutcome {
        do {
            let headers = JSONColumn.encode(delivery.headers)
            guard let spool, let indexer else {
                let db = db
                return try journalWriter.perform(journaledBytes: delivery.body.count + 4096) {
                    try Self.insert(db, delivery, headers: headers)
                }
            }
            // A store that cannot be written takes no more deliveries (503), even into the spool.
            try fileGuard?.check()
            let hash = delivery.bodySHA256
            guard try indexer.reserve(id: delivery.id, hash: hash) else { return .duplicate(.pending) }
            var appended = false
            defer { if !appended { indexer.release(id: delivery.id, hash: hash) } }
            if let status = try existingStatus(id: delivery.id, hash: hash) { return .duplicate(status) }
            let record = SpoolRecord(id: delivery.id, event: delivery.event, receivedAt: delivery.receivedAt,
                                     contentType: delivery.contentType, headers: headers, bodySize: delivery.body.count,
                                     bodySHA256: hash)
            try spool.append(record, body: delivery.body) { body, end in
                indexer.enqueue(SpoolIndexer.Entry(record: record, body: body, end: end))
                appended = true
            }
            return .accepted
        } catch {
            throw StoreError(operation: "journal delivery", underlying: error)
        }
    }

    /// The status of the delivery journaled under `id`, or else of the one with this body; nil
    /// when there is neither.
    /// WAL bytes one indexed delivery adds, as measured (the WAL grew 25 MB for 14,000 rows
    /// indexed in batches): what the indexer tells `WALRestart`.
    static let walBytesPerIndexedRow = 2048

    /// The status of the delivery known by this id or, failing that, by this body (a replay
    /// under a new id): two unique-index searches, the id's first. Not `id = ? OR body_sha256 = ?
    /// ORDER BY id = ? DESC`: that sorts in a temporary B-tree, which SQLite opens and closes per
    /// query (a tenth of the bot's CPU under a webhook burst, in perf).
    static let knownDeliverySQL =
        "SELECT status FROM deliveries WHERE id = ? UNION ALL SELECT status FROM deliveries WHERE body_sha256 = ? LIMIT 1"

    private func existingStatus(id: String, hash: String?) throws -> DeliveryStatus? {
        let rows = try lookup.query(Self.knownDeliverySQL, [.text(id), SQLiteValue(hash)])
        guard let row = rows.first else { return nil }
        return row.string("status").flatMap(DeliveryStatus.init(rawValue:)) ?? .pending
    }

    /// Runs `hook` after each commit of journaled deliveries (they can be claimed from then on).
    public func observeJournal(_ hook: @escaping @Sendable () -> Void) {
        indexer?.observe(hook)
    }

    /// Commits the rows of spooled deliveries and moves the watermark past the last one (inside
    /// the writer's transaction). A delivery whose id or body is known already is skipped.
    static func index(_ db: SQLiteConnection, _ entries: ArraySlice<SpoolIndexer.Entry>) throws {
        guard let last = entries.last else { return }
        for entry in entries {
            let record = entry.record
            if let seq = try insertRow(db, id: record.id, event: record.event, receivedAt: record.receivedAt,
                                       contentType: record.contentType, headers: record.headers,
                                       bodySize: record.bodySize, bodySHA256: record.bodySHA256) {
                try db.run("INSERT INTO delivery_bodies (seq, body, spool_segment, spool_offset) VALUES (?, x'', ?, ?)",
                           [.integer(seq), .integer(entry.body.segment), .integer(entry.body.offset)])
            }
        }
        try db.run("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   [.text(spoolWatermarkKey), .text("\(last.end.segment):\(last.end.offset)")])
    }

    /// At open: indexes the records past the watermark (deliveries answered before a crash or
    /// a stop whose rows were not committed).
    static func indexUnindexedRecords(of spool: BodySpool, db: SQLiteConnection, writer: GroupCommitter) throws {
        let mark = try db.query("SELECT value FROM kv WHERE key = ?", [.text(spoolWatermarkKey)]).first?.string("value")
        let parts = mark?.split(separator: ":").compactMap { Int64($0) } ?? []
        let from = parts.count == 2 ? BodySpool.Location(segment: parts[0], offset: parts[1]) : BodySpool.Location(segment: 0, offset: 0)
        let entries = try spool.records(from: from).map { SpoolIndexer.Entry(record: $0.record, body: $0.body, end: $0.end) }
        var start = 0
        while start < entries.count {
            let batch = entries[start..<min(entries.count, start + SpoolIndexer.maximumBatch)]
            try writer.perform { try index(db, batch) }
            start = batch.endIndex
        }
    }

    /// Journals one delivery, body in the row, inside the writer's transaction (a `:memory:`
    /// store).
    static func insert(_ db: SQLiteConnection, _ delivery: NewDelivery, headers: String) throws -> JournalOutcome {
        if let seq = try insertRow(db, id: delivery.id, event: delivery.event, receivedAt: delivery.receivedAt,
                                   contentType: delivery.contentType, headers: headers, bodySize: delivery.body.count,
                                   bodySHA256: delivery.bodySHA256) {
            try db.run("INSERT INTO delivery_bodies (seq, body) VALUES (?, ?)", [.integer(seq), .blob([UInt8](delivery.body))])
            return .accepted
        }
        // Known by its id, or (a replay under a new id) by its body.
        let existing = try db.query(knownDeliverySQL, [.text(delivery.id), SQLiteValue(delivery.bodySHA256)])
        return .duplicate(existing.first?.string("status").flatMap(DeliveryStatus.init(rawValue:)) ?? .pending)
    }

    /// Inserts a delivery's row; its `seq`, or nil when its id or body is known already.
    static func insertRow(_ db: SQLiteConnection, id: String, event: String, receivedAt: Date, contentType: String?,
                          headers: String, bodySize: Int, bodySHA256: String?) throws -> Int64? {
        try db.query(
            """
            INSERT INTO deliveries (id, event, received_at, content_type, headers, body_size, status, body_sha256)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING RETURNING seq
            """,
            [.text(id), .text(event), .real(receivedAt.timeIntervalSince1970), SQLiteValue(contentType), .text(headers),
             .integer(Int64(bodySize)), SQLiteValue(bodySHA256)]
        ).first?.int64("seq")
    }

    public func claimDelivery(owner: String, lease: TimeInterval, now: Date) throws -> DeliveryRecord? {
        try claimDeliveries(owner: owner, lease: lease, now: now, limit: 1).first
    }

    public func claimDeliveries(owner: String, lease: TimeInterval, now: Date, limit: Int) throws -> [DeliveryRecord] {
        guard limit > 0 else { return [] }
        // What is indexed first; only a claim that comes up short waits for the indexer's next
        // commit. A claim that flushed every time would make the indexer commit per claim, in
        // small batches, while a backlog of indexed deliveries waits anyway.
        var claimed = try claimIndexed(owner: owner, lease: lease, now: now, limit: limit)
        if claimed.count < limit, let indexer, indexer.waiting > 0 {
            indexer.flush()
            claimed += try claimIndexed(owner: owner, lease: lease, now: now, limit: limit - claimed.count)
        }
        return claimed
    }

    private func claimIndexed(owner: String, lease: TimeInterval, now: Date, limit: Int) throws -> [DeliveryRecord] {
        do {
            let db = db
            let rows = try journalWriter.perform { () throws -> [SQLiteRow] in
                // Each branch walks the (status, seq) index in order: an OR would make SQLite
                // collect and sort every waiting delivery, under the write lock, for each claim.
                let rows = try db.query(
                    """
                    SELECT seq FROM (
                        SELECT seq FROM (SELECT seq FROM deliveries WHERE status = 'pending' ORDER BY seq LIMIT ?)
                        UNION ALL
                        SELECT seq FROM (SELECT seq FROM deliveries WHERE status = 'processing' AND lease_until < ? ORDER BY seq LIMIT ?)
                    ) ORDER BY seq LIMIT ?
                    """,
                    [.integer(Int64(limit)), .real(now.timeIntervalSince1970), .integer(Int64(limit)), .integer(Int64(limit))]
                )
                var claimed: [SQLiteRow] = []
                for seq in rows.compactMap({ $0.int64("seq") }) {
                    try db.run(
                        """
                        UPDATE deliveries SET status = 'processing', lease_owner = ?, lease_until = ?,
                            attempts = attempts + 1
                        WHERE seq = ?
                        """,
                        [.text(owner), .real(now.addingTimeInterval(lease).timeIntervalSince1970), .integer(seq)]
                    )
                    if let record = try db.query(Self.selectWithBody + " WHERE d.seq = ?", [.integer(seq)]).first {
                        claimed.append(record)
                    }
                }
                return claimed
            }
            // Bodies are read from the spool after the commit, not under the write lock.
            return rows.map(recordWithBody)
        } catch {
            throw StoreError(operation: "claim delivery", underlying: error)
        }
    }

    public func postponeDelivery(id: String, owner: String, until: Date, reason: String) throws {
        do {
            let db = db
            try journalWriter.perform {
                try db.run(
                    "UPDATE deliveries SET lease_until = ?, reason = ? WHERE id = ? AND lease_owner = ? AND status = 'processing'",
                    [.real(until.timeIntervalSince1970), .text(reason), .text(id), .text(owner)]
                )
            }
        } catch {
            throw StoreError(operation: "postpone delivery", underlying: error)
        }
    }

    public func finishDelivery(id: String, owner: String, result: DeliveryResult, now: Date) throws {
        try finishDeliveries([(id: id, result: result)], owner: owner, now: now)
    }

    public func finishDeliveries(_ results: [(id: String, result: DeliveryResult)], owner: String, now: Date) throws {
        guard !results.isEmpty else { return }
        do {
            let db = db
            try journalWriter.perform {
                for (id, result) in results {
                    try db.run(
                        """
                        UPDATE deliveries SET status = ?, action = COALESCE(?, action), reason = ?, field_path = ?,
                            finished_at = ?, lease_owner = NULL, lease_until = NULL
                        WHERE id = ? AND lease_owner = ? AND status = 'processing'
                        """,
                        [.text(result.status.rawValue), SQLiteValue(result.action), SQLiteValue(result.reason),
                         SQLiteValue(result.fieldPath), .real(now.timeIntervalSince1970), .text(id), .text(owner)]
                    )
                }
            }
        } catch {
            throw StoreError(operation: "finish delivery", underlying: error)
        }
    }

    public func releaseDeliveries(ownedBy instance: String) throws -> Int {
        do {
            let db = db
            return try journalWriter.perform {
                try db.run(
                    "UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE status = 'processing' AND substr(lease_owner, 1, ?) = ?",
                    [.integer(Int64(instance.utf8.count + 1)), .text(instance + "/")]
                )
            }
        } catch {
            throw StoreError(operation: "release deliveries", underlying: error)
        }
    }

    public func delivery(id: String) throws -> DeliveryRecord? {
        indexer?.flush()
        do {
            return try reader.query(Self.selectWithBody + " WHERE d.id = ?", [.text(id)]).first.map(recordWithBody)
        } catch {
            throw StoreError(operation: "read delivery", underlying: error)
        }
    }

    public func deliveries(limit: Int) throws -> [DeliveryRecord] {
        indexer?.flush()
        do {
            return try reader.query(
                """
                SELECT seq, id, event, action, received_at, content_type, headers, body_size, status, reason,
                    field_path, attempts, replays, finished_at
                FROM deliveries ORDER BY seq DESC LIMIT ?
                """,
                [.integer(Int64(limit))]
            ).map { Self.record($0, withBody: false) }
        } catch {
            throw StoreError(operation: "list deliveries", underlying: error)
        }
    }

    public func replayDelivery(id: String) throws -> Bool {
        indexer?.flush()
        do {
            let db = db
            let changed = try journalWriter.perform {
                try db.run(
                    """
                    UPDATE deliveries SET status = 'pending', replays = replays + 1, lease_owner = NULL,
                        lease_until = NULL, finished_at = NULL, reason = NULL, field_path = NULL
                    WHERE id = ?
                    """,
                    [.text(id)]
                )
            }
            return changed == 1
        } catch {
            throw StoreError(operation: "replay delivery", underlying: error)
        }
    }

    public func journalDepth() throws -> Int {
        indexer?.flush()
        do {
            let rows = try reader.query("SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending', 'processing')")
            return rows.first?.int("n") ?? 0
        } catch {
            throw StoreError(operation: "journal depth", underlying: error)
        }
    }

    public func hasWaitingDeliveries() throws -> Bool {
        indexer?.flush()
        do {
            return try !reader.query("SELECT 1 FROM deliveries WHERE status IN ('pending', 'processing') LIMIT 1").isEmpty
        } catch {
            throw StoreError(operation: "journal depth", underlying: error)
        }
    }

    static let selectWithBody = "SELECT d.*, b.body, b.spool_segment, b.spool_offset FROM deliveries d JOIN delivery_bodies b ON b.seq = d.seq"

    /// A delivery with its body, from the row or from the spool. A body the spool lost (its
    /// file deleted by hand) reads as empty: processing then fails that delivery with a reason
    /// instead of failing every claim.
    func recordWithBody(_ row: SQLiteRow) -> DeliveryRecord {
        var record = Self.record(row, withBody: true)
        if let spool, let segment = row.int64("spool_segment"), let offset = row.int64("spool_offset") {
            record.body = (try? spool.read(BodySpool.Location(segment: segment, offset: offset), length: record.bodySize)) ?? Data()
        }
        return record
    }

    /// Deletes the spool's segments no delivery refers to any more (after a prune).
    func deliveriesPruned() throws {
        guard let spool else { return }
        let referenced = try reader.query("SELECT DISTINCT spool_segment FROM delivery_bodies WHERE spool_segment IS NOT NULL")
            .compactMap { $0.int64("spool_segment") }
        try spool.removeUnreferenced(Set(referenced))
    }

    static func record(_ row: SQLiteRow, withBody: Bool) -> DeliveryRecord {
        DeliveryRecord(
            sequence: row.int64("seq") ?? 0,
            id: row.string("id") ?? "",
            event: row.string("event") ?? "",
            action: row.string("action"),
            receivedAt: Date(timeIntervalSince1970: row.double("received_at") ?? 0),
            contentType: row.string("content_type"),
            headers: JSONColumn.decodeMap(row.string("headers")),
            body: withBody ? Data(row.blob("body") ?? []) : Data(),
            bodySize: row.int("body_size") ?? 0,
            status: row.string("status").flatMap(DeliveryStatus.init(rawValue:)) ?? .pending,
            reason: row.string("reason"),
            fieldPath: row.string("field_path"),
            attempts: row.int("attempts") ?? 0,
            replays: row.int("replays") ?? 0,
            finishedAt: row.double("finished_at").map(Date.init(timeIntervalSince1970:))
        )
    }
}

/// Copies the WAL into the database file from its own connection and thread: every 250 ms
/// when idle, pass after pass while frames keep coming. PASSIVE checkpoints never block writers,
/// but under a steady stream of group commits they never copy the last frame either, and the
/// log starts over only after one did: the journal writer finishes the job between two batches
/// (`WALRestart`). Only past `truncateBytes` (the log could not start over for long) does this
/// thread run a TRUNCATE checkpoint, which makes writers wait for the whole copy.
///
/// The file is not truncated when the log starts over (`journal_size_limit` keeps up to twice
/// the restart size of it): rewriting pages the kernel already holds is much cheaper than growing
/// the file again, which zeroes each new block that a 4,120-byte WAL frame covers only in part.
/// (A TRUNCATE at 64 MiB made writers wait 30-350 ms twice a second under load.)
final class Checkpointer: @unchecked Sendable {
    private let connection: SQLiteConnection
    /// The WAL size past which this thread checkpoints with TRUNCATE (the bound of the file).
    private let truncateBytes: Int
    private let condition = NSCondition()
    private var stopping = false
    private var stopped = false

    init(path: String, fileGuard: SQLiteFileGuard?, truncateBytes: Int) throws {
        self.truncateBytes = truncateBytes
        connection = try SQLiteConnection(path: path)
        if let fileGuard { connection.setAccessCheck { try fileGuard.check() } }
        let thread = Thread { [self] in run() }
        thread.name = "slipway-sqlite-checkpoint"
        thread.start()
    }

    private func run() {
        condition.lock()
        var lastLog = 0
        var framesKeepComing = false
        while !stopping {
            // While frames keep coming, pass again at once: the journal writer's own pass
            // (`WALRestart`) then finds only the last few frames to copy.
            if !framesKeepComing { _ = condition.wait(until: Date().addingTimeInterval(0.25)) }
            if stopping { break }
            condition.unlock()
            let mode = Self.walBytes(path: connection.path) > truncateBytes ? "TRUNCATE" : "PASSIVE"
            let row = try? connection.query("PRAGMA wal_checkpoint(\(mode))").first
            let log = row?.int("log") ?? 0
            framesKeepComing = row?.int("busy") == 0 && log > 0 && log != lastLog
            lastLog = log
            condition.lock()
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
        _ = try? connection.query("PRAGMA wal_checkpoint(PASSIVE)")
    }

    static func walBytes(path: String) -> Int {
        var info = stat()
        return stat(path + "-wal", &info) == 0 ? Int(info.st_size) : 0
    }
}

/// Makes the WAL start over under a steady stream of group commits. The background
/// checkpointer's PASSIVE passes never copy the last frame while batches keep coming, and the
/// log starts over only after a checkpoint copied every frame; so once about `restartBytes` were
/// journaled since the last start, the journal writer runs a PASSIVE checkpoint itself between
/// two batches, when nothing else appends: it copies only the frames the background pass has
/// not, never waits (when the background pass holds the checkpoint lock it does nothing), and
/// costs the writer that copy and two fsyncs once per `restartBytes` (16 MiB: a few times a
/// second at 4,000 deliveries a second; bodies live in the spool, so the WAL carries rows and
/// index pages only, about 2 KB a delivery). A smaller log is also a smaller file to keep and
/// fewer new file pages to allocate while it grows: at 128 MiB the indexer spent half its time
/// in pwrite growing the WAL (perf, 64-connection burst). Used by the writer thread only.
final class WALRestart: @unchecked Sendable {
    static let defaultRestartBytes = 16 * 1024 * 1024
    let restartBytes: Int
    /// The least time between two attempts that did not complete (a reader holding old frames).
    static let retryInterval: TimeInterval = 0.05
    private let db: SQLiteConnection
    private var bytesSinceRestart = 0
    private var lastAttempt = Date.distantPast

    init(db: SQLiteConnection, restartBytes: Int) {
        self.db = db
        self.restartBytes = restartBytes
    }

    func afterBatch(_ journaledBytes: Int) {
        bytesSinceRestart += journaledBytes
        guard bytesSinceRestart > restartBytes else { return }
        let now = Date()
        guard now.timeIntervalSince(lastAttempt) >= Self.retryInterval else { return }
        lastAttempt = now
        // One row: busy (the checkpoint lock was taken), frames in the log, frames copied.
        guard let row = try? db.query("PRAGMA wal_checkpoint(PASSIVE)").first,
              row.int("busy") == 0, let log = row.int("log"), let copied = row.int("checkpointed"), log == copied
        else { return }
        bytesSinceRestart = 0
    }
}
