public import Foundation
import Postgres

/// The store for several bot replicas sharing one queue. Claims use `FOR UPDATE SKIP LOCKED`, so
/// replicas never take the same delivery or job.
///
/// Thread-safe: a small pool of connections, each used by one caller at a time.
public final class PostgresStore: SQLStateStore {
    public let backendName = "postgres"
    private let pool: ConnectionPool

    /// - Parameter url: a libpq connection string or `postgres://` URL. It is never echoed in errors.
    public init(url: String, connections: Int = 4) throws {
        do {
            pool = try ConnectionPool(url: url, size: connections)
            try pool.with { try Migrator.migrate(postgres: $0) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(operation: "open postgres store", underlying: error)
        }
    }

    @discardableResult
    func inTransaction<T>(_ operation: String, _ body: (any SQLExecutor) throws -> T) throws -> T {
        try run(operation) { db in try db.transaction { try body(PostgresExecutor(db: db)) } }
    }

    /// PostgreSQL's reads never wait for writers (MVCC): a read is an ordinary transaction.
    @discardableResult
    func inReadTransaction<T>(_ operation: String, _ body: (any SQLExecutor) throws -> T) throws -> T {
        try inTransaction(operation, body)
    }

    func lockJobClaims(_ executor: any SQLExecutor) throws {
        _ = try executor.rows("SELECT pg_advisory_xact_lock(7302)", [])
    }

    public func ping() throws {
        try run("ping") { _ = try $0.query("SELECT 1") }
    }

    public func journal(_ delivery: NewDelivery) throws -> JournalOutcome {
        try run("journal delivery") { db in
            let inserted = try db.query(
                """
                WITH new AS (
                    INSERT INTO deliveries (id, event, received_at, content_type, headers, body_size, status, body_sha256)
                    VALUES ($1, $2, $3, $4, $5, $7, 'pending', $8) ON CONFLICT DO NOTHING RETURNING seq
                )
                INSERT INTO delivery_bodies (seq, body) SELECT seq, $6 FROM new RETURNING seq
                """,
                [.text(delivery.id), .text(delivery.event), .double(delivery.receivedAt.timeIntervalSince1970),
                 delivery.contentType.map(PostgresValue.text) ?? .null, .text(JSONColumn.encode(delivery.headers)),
                 .bytea([UInt8](delivery.body)), .int(Int64(delivery.body.count)), delivery.bodySHA256.map(PostgresValue.text) ?? .null]
            )
            if !inserted.isEmpty { return .accepted }
            // Known by its id, or (a replay under a new id) by its body.
            let rows = try db.query("SELECT status FROM deliveries WHERE id = $1 OR body_sha256 = $2 ORDER BY (id = $1) DESC LIMIT 1",
                                    [.text(delivery.id), delivery.bodySHA256.map(PostgresValue.text) ?? .null])
            return .duplicate(rows.first?["status"].flatMap(DeliveryStatus.init(rawValue:)) ?? .pending)
        }
    }

    public func claimDelivery(owner: String, lease: TimeInterval, now: Date) throws -> DeliveryRecord? {
        try run("claim delivery") { db in
            try db.query(
                """
                WITH claimed AS (
                    UPDATE deliveries SET status = 'processing', lease_owner = $1, lease_until = $2,
                        attempts = attempts + 1
                    WHERE seq = (
                        SELECT seq FROM deliveries
                        WHERE status = 'pending' OR (status = 'processing' AND lease_until < $3)
                        ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED
                    )
                    RETURNING *
                )
                SELECT claimed.*, b.body FROM claimed JOIN delivery_bodies b ON b.seq = claimed.seq
                """,
                [.text(owner), .double(now.addingTimeInterval(lease).timeIntervalSince1970),
                 .double(now.timeIntervalSince1970)]
            ).first.map { Self.record($0, withBody: true) }
        }
    }

    public func postponeDelivery(id: String, owner: String, until: Date, reason: String) throws {
        try run("postpone delivery") { db in
            _ = try db.run(
                "UPDATE deliveries SET lease_until = $1, reason = $2 WHERE id = $3 AND lease_owner = $4 AND status = 'processing'",
                [.double(until.timeIntervalSince1970), .text(reason), .text(id), .text(owner)]
            )
        }
    }

    public func finishDelivery(id: String, owner: String, result: DeliveryResult, now: Date) throws {
        try run("finish delivery") { db in
            _ = try db.run(
                """
                UPDATE deliveries SET status = $1, action = COALESCE($2, action), reason = $3, field_path = $4,
                    finished_at = $5, lease_owner = NULL, lease_until = NULL
                WHERE id = $6 AND lease_owner = $7 AND status = 'processing'
                """,
                [.text(result.status.rawValue), result.action.map(PostgresValue.text) ?? .null,
                 result.reason.map(PostgresValue.text) ?? .null, result.fieldPath.map(PostgresValue.text) ?? .null,
                 .double(now.timeIntervalSince1970), .text(id), .text(owner)]
            )
        }
    }

    public func releaseDeliveries(ownedBy instance: String) throws -> Int {
        try run("release deliveries") { db in
            try db.run(
                "UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE status = 'processing' AND left(lease_owner, $1::int) = $2",
                [.int(Int64(instance.count + 1)), .text(instance + "/")]
            )
        }
    }

    public func delivery(id: String) throws -> DeliveryRecord? {
        try run("read delivery") { db in
            try db.query("SELECT d.*, b.body FROM deliveries d JOIN delivery_bodies b ON b.seq = d.seq WHERE d.id = $1", [.text(id)])
                .first.map { Self.record($0, withBody: true) }
        }
    }

    public func deliveries(limit: Int) throws -> [DeliveryRecord] {
        try run("list deliveries") { db in
            try db.query(
                """
                SELECT seq, id, event, action, received_at, content_type, headers, body_size, status, reason,
                    field_path, attempts, replays, finished_at
                FROM deliveries ORDER BY seq DESC LIMIT $1
                """,
                [.int(Int64(limit))]
            ).map { Self.record($0, withBody: false) }
        }
    }

    public func replayDelivery(id: String) throws -> Bool {
        try run("replay delivery") { db in
            try db.run(
                """
                UPDATE deliveries SET status = 'pending', replays = replays + 1, lease_owner = NULL,
                    lease_until = NULL, finished_at = NULL, reason = NULL, field_path = NULL
                WHERE id = $1
                """,
                [.text(id)]
            ) == 1
        }
    }

    public func journalDepth() throws -> Int {
        try run("journal depth") { db in
            try db.query("SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending', 'processing')")
                .first?.int("n") ?? 0
        }
    }

    private func run<T>(_ operation: String, _ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            return try pool.with(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(operation: operation, underlying: error)
        }
    }

    static func record(_ row: PostgresRow, withBody: Bool) -> DeliveryRecord {
        DeliveryRecord(
            sequence: row.int64("seq") ?? 0,
            id: row["id"] ?? "",
            event: row["event"] ?? "",
            action: row["action"],
            receivedAt: Date(timeIntervalSince1970: row.double("received_at") ?? 0),
            contentType: row["content_type"],
            headers: JSONColumn.decodeMap(row["headers"]),
            body: withBody ? Data(row.bytes("body") ?? []) : Data(),
            bodySize: row.int("body_size") ?? 0,
            status: row["status"].flatMap(DeliveryStatus.init(rawValue:)) ?? .pending,
            reason: row["reason"],
            fieldPath: row["field_path"],
            attempts: row.int("attempts") ?? 0,
            replays: row.int("replays") ?? 0,
            finishedAt: row.double("finished_at").map(Date.init(timeIntervalSince1970:))
        )
    }
}

/// A fixed set of PostgreSQL connections handed out one caller at a time; a broken connection is
/// reset before reuse.
final class ConnectionPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var idle: [PostgresConnection]

    init(url: String, size: Int) throws {
        idle = try (0..<max(1, size)).map { _ in try PostgresConnection(url) }
    }

    func with<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        condition.lock()
        while idle.isEmpty { condition.wait() }
        let connection = idle.removeLast()
        condition.unlock()
        defer {
            condition.lock()
            idle.append(connection)
            condition.signal()
            condition.unlock()
        }
        if !connection.isConnected { try connection.reset() }
        return try body(connection)
    }
}
