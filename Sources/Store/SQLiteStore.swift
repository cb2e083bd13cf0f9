public import Foundation
import SQLite

/// The embedded default store: one SQLite file in WAL mode.
///
/// Durability: `synchronous=NORMAL` by default — a committed delivery survives `kill -9` of the
/// bot (the WAL is in the kernel before `journal` returns) but not a power loss; the periodic
/// reconcile repairs what a power loss could drop. `synchronous=FULL` (`?sync=full` in the store
/// URL) survives power loss at about a fifth of the write rate.
///
/// Thread-safe: one connection, calls serialised by the SQLite wrapper.
public final class SQLiteStore: Store {
    public let backendName = "sqlite"
    private let db: SQLiteConnection

    public init(path: String, synchronousFull: Bool = false) throws {
        do {
            db = try SQLiteConnection(path: path)
            try db.execute("PRAGMA journal_mode=WAL")
            try db.execute("PRAGMA synchronous=\(synchronousFull ? "FULL" : "NORMAL")")
            try db.execute("PRAGMA foreign_keys=ON")
            try Migrator.migrate(sqlite: db)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(operation: "open sqlite store", underlying: error)
        }
    }

    public func ping() throws {
        do { _ = try db.query("SELECT 1") } catch { throw StoreError(operation: "ping", underlying: error) }
    }

    public func journal(_ delivery: NewDelivery) throws -> JournalOutcome {
        do {
            let inserted = try db.transaction(.immediate) { () throws -> Bool in
                let rows = try db.query(
                    """
                    INSERT INTO deliveries (id, event, received_at, content_type, headers, body_size, status)
                    VALUES (?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT(id) DO NOTHING RETURNING seq
                    """,
                    [.text(delivery.id), .text(delivery.event), .real(delivery.receivedAt.timeIntervalSince1970),
                     SQLiteValue(delivery.contentType), .text(HeadersCoding.encode(delivery.headers)),
                     .integer(Int64(delivery.body.count))]
                )
                guard let seq = rows.first?.int64("seq") else { return false }
                try db.run("INSERT INTO delivery_bodies (seq, body) VALUES (?, ?)", [.integer(seq), .blob([UInt8](delivery.body))])
                return true
            }
            if inserted { return .accepted }
            let rows = try db.query("SELECT status FROM deliveries WHERE id = ?", [.text(delivery.id)])
            let status = rows.first?.string("status").flatMap(DeliveryStatus.init(rawValue:)) ?? .pending
            return .duplicate(status)
        } catch {
            throw StoreError(operation: "journal delivery", underlying: error)
        }
    }

    public func claimDelivery(owner: String, lease: TimeInterval, now: Date) throws -> DeliveryRecord? {
        do {
            return try db.transaction(.immediate) { () throws -> DeliveryRecord? in
                let rows = try db.query(
                    """
                    SELECT seq FROM deliveries
                    WHERE status = 'pending' OR (status = 'processing' AND lease_until < ?)
                    ORDER BY seq LIMIT 1
                    """,
                    [.real(now.timeIntervalSince1970)]
                )
                guard let seq = rows.first?.int64("seq") else { return nil }
                try db.run(
                    """
                    UPDATE deliveries SET status = 'processing', lease_owner = ?, lease_until = ?,
                        attempts = attempts + 1
                    WHERE seq = ?
                    """,
                    [.text(owner), .real(now.addingTimeInterval(lease).timeIntervalSince1970), .integer(seq)]
                )
                return try db.query(Self.selectWithBody + " WHERE d.seq = ?", [.integer(seq)])
                    .first.map { Self.record($0, withBody: true) }
            }
        } catch {
            throw StoreError(operation: "claim delivery", underlying: error)
        }
    }

    public func postponeDelivery(id: String, owner: String, until: Date, reason: String) throws {
        do {
            try db.run(
                "UPDATE deliveries SET lease_until = ?, reason = ? WHERE id = ? AND lease_owner = ? AND status = 'processing'",
                [.real(until.timeIntervalSince1970), .text(reason), .text(id), .text(owner)]
            )
        } catch {
            throw StoreError(operation: "postpone delivery", underlying: error)
        }
    }

    public func finishDelivery(id: String, owner: String, result: DeliveryResult, now: Date) throws {
        do {
            try db.run(
                """
                UPDATE deliveries SET status = ?, action = COALESCE(?, action), reason = ?, field_path = ?,
                    finished_at = ?, lease_owner = NULL, lease_until = NULL
                WHERE id = ? AND lease_owner = ? AND status = 'processing'
                """,
                [.text(result.status.rawValue), SQLiteValue(result.action), SQLiteValue(result.reason),
                 SQLiteValue(result.fieldPath), .real(now.timeIntervalSince1970), .text(id), .text(owner)]
            )
        } catch {
            throw StoreError(operation: "finish delivery", underlying: error)
        }
    }

    public func releaseDeliveries(ownedBy instance: String) throws -> Int {
        do {
            return try db.run(
                "UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE status = 'processing' AND substr(lease_owner, 1, ?) = ?",
                [.integer(Int64(instance.utf8.count + 1)), .text(instance + "/")]
            )
        } catch {
            throw StoreError(operation: "release deliveries", underlying: error)
        }
    }

    public func delivery(id: String) throws -> DeliveryRecord? {
        do {
            return try db.query(Self.selectWithBody + " WHERE d.id = ?", [.text(id)])
                .first.map { Self.record($0, withBody: true) }
        } catch {
            throw StoreError(operation: "read delivery", underlying: error)
        }
    }

    public func deliveries(limit: Int) throws -> [DeliveryRecord] {
        do {
            return try db.query(
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
        do {
            let changed = try db.run(
                """
                UPDATE deliveries SET status = 'pending', replays = replays + 1, lease_owner = NULL,
                    lease_until = NULL, finished_at = NULL, reason = NULL, field_path = NULL
                WHERE id = ?
                """,
                [.text(id)]
            )
            return changed == 1
        } catch {
            throw StoreError(operation: "replay delivery", underlying: error)
        }
    }

    public func journalDepth() throws -> Int {
        do {
            let rows = try db.query("SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending', 'processing')")
            return rows.first?.int("n") ?? 0
        } catch {
            throw StoreError(operation: "journal depth", underlying: error)
        }
    }

    static let selectWithBody = "SELECT d.*, b.body FROM deliveries d JOIN delivery_bodies b ON b.seq = d.seq"

    static func record(_ row: SQLiteRow, withBody: Bool) -> DeliveryRecord {
        DeliveryRecord(
            sequence: row.int64("seq") ?? 0,
            id: row.string("id") ?? "",
            event: row.string("event") ?? "",
            action: row.string("action"),
            receivedAt: Date(timeIntervalSince1970: row.double("received_at") ?? 0),
            contentType: row.string("content_type"),
            headers: HeadersCoding.decode(row.string("headers")),
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
