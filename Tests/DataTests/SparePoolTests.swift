import Data
import Foundation
import Postgres
import SlipwayCore
import Testing
import TestSupport

/// Lines a log callback received, readable from the test.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var callback: @Sendable (String) -> Void { { [self] line in lock.withLock { lines.append(line) } } }
    var all: [String] { lock.withLock { lines } }
    func count(containing text: String) -> Int { all.filter { $0.contains(text) }.count }
}

/// Spare copies of the newest snapshot: in the suite of `SnapshotEngineTests` (serialized on
/// one server: the pool acts on whichever snapshot is newest there).
extension SnapshotEngineTests {
    @Test("a preview takes a ready spare by renaming it; the spare is closed to environment roles and not an environment; without one the template is copied")
    func spareIsTaken() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let log = LogLines()
            let pool = try SparePool(server: fixture.server, perSnapshot: 1, log: log.callback)
            let snapshot = try SnapshotEngine(server: fixture.server, spares: pool).create(rules: fixture.rules())
            let environments = try EnvironmentDatabases(server: fixture.server).list()
            let made = try pool.replenish()
            #expect(try EnvironmentDatabases(server: fixture.server).list() == environments, "a spare is not an environment")
            #expect(made.count == 1 && made[0].hasPrefix("slipway_spare_"), "\(made)")
            let spare = try #require(made.first)
            #expect(try pool.replenish() == [], "a full pool makes nothing")

            // A preview made without the pool copies the template; its role cannot reach the spare.
            let plain = EnvironmentDatabases(server: fixture.server)
            let other = try plain.create("pr-60", from: .snapshot(snapshot.name), password: "pw-60-secret")
            let refused = try #require(fixture.connectError(database: spare, user: other.user, password: other.password), "\(other.user) reached the spare")
            #expect(!refused.contains("pw-60-secret"))

            let databases = EnvironmentDatabases(server: fixture.server, spares: pool, log: log.callback)
            let taken = try databases.create("pr-61", from: .snapshot(snapshot.name), password: "pw-61")
            #expect(log.count(containing: "from spare \(spare)") == 1, "\(log.all)")
            #expect(try !fixture.slipwayObjects().contains(spare), "the spare became the preview's database")
            #expect(try fixture.leaks(in: taken.database) == [])
            let connection = try PostgresConnection(taken.url)
            #expect(try connection.query("SELECT count(*) AS n FROM customers").first?.int("n") == 2)
            try connection.execute("ALTER TABLE customers ADD COLUMN migrated int; CREATE TABLE app_new (id int)")
            #expect(fixture.connectError(database: other.database, user: taken.user, password: taken.password) != nil)
            #expect(try databases.list().contains("pr-61"))

            // Not started: nothing replenished the pool, so the next preview copies the template.
            let copied = try databases.create("pr-62", from: .snapshot(snapshot.name), password: "pw-62")
            #expect(log.count(containing: "database \(copied.database) created (snapshot \(snapshot.name))") == 1, "\(log.all)")
            for name in ["pr-60", "pr-61", "pr-62"] { try databases.drop(name) }
            try SnapshotEngine(server: fixture.server).drop(snapshot.name)
        }
    }

    @Test("two previews created at once with one spare both work; a started pool fills at start and refills after a take")
    func concurrentCreationsWithOneSpare() async throws {
        let cluster = try PostgresCluster.current()
        let fixture = try await blocking { try DataFixture.make(cluster) }
        let log = LogLines()
        let pool = try SparePool(server: fixture.server, perSnapshot: 1, log: log.callback)
        let engine = SnapshotEngine(server: fixture.server, spares: pool, log: log.callback)
        let snapshot = try await blocking { try engine.create(rules: fixture.rules()) }
        #expect(try fixture.slipwayObjects().filter { $0.hasPrefix("slipway_spare_") } == [], "a pool not started makes nothing by itself")
        let spare = try #require(try await blocking { try pool.replenish() }.first)

        let databases = EnvironmentDatabases(server: fixture.server, spares: pool, log: log.callback)
        async let first = blocking { try databases.create("pr-63", from: .snapshot(snapshot.name), password: "pw-63") }
        async let second = blocking { try databases.create("pr-64", from: .snapshot(snapshot.name), password: "pw-64") }
        let both = try await [first, second]
        #expect(both[0].database != both[1].database)
        for credentials in both {
            let rows = try PostgresConnection(credentials.url).query("SELECT count(*) AS n FROM customers")
            #expect(rows.first?.int("n") == 2)
        }
        #expect(log.count(containing: "from spare \(spare)") == 1, "exactly one creation renamed the spare: \(log.all)")

        pool.start()
        defer { pool.stop() }
        #expect(pool.waitUntilIdle(timeout: 120), "the pass at start did not finish")
        #expect(try fixture.slipwayObjects().filter { $0.hasPrefix("slipway_spare_") } == [spare], "the pass at start made the missing spare")
        _ = try await blocking { try databases.create("pr-65", from: .snapshot(snapshot.name), password: "pw-65") }
        #expect(log.count(containing: "from spare \(spare)") == 2, "\(log.all)")
        #expect(pool.waitUntilIdle(timeout: 120), "the refill after the take did not finish")
        #expect(try fixture.slipwayObjects().filter { $0.hasPrefix("slipway_spare_") } == [spare], "a new spare took the place of the one taken")
        try await blocking {
            for name in ["pr-63", "pr-64", "pr-65"] { try databases.drop(name) }
            try engine.drop(snapshot.name)
        }
        #expect(try fixture.slipwayObjects().filter { $0.hasPrefix("slipway_spare_") } == [], "dropping the snapshot dropped its spare")
    }

    @Test("a spare of an older snapshot is never used for a newer one; pruning drops spares; stale and surplus spares are cleaned")
    func sparesFollowTheirSnapshot() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let log = LogLines()
            let engine = SnapshotEngine(server: fixture.server)
            for existing in try engine.list() { try engine.drop(existing.name) }
            let pool = try SparePool(server: fixture.server, perSnapshot: 1, log: log.callback)
            _ = try engine.create(rules: fixture.rules())
            let olderSpare = try #require(try pool.replenish().first)
            let newer = try engine.create(rules: fixture.rules())
            #expect(try fixture.slipwayObjects().contains(olderSpare))

            let databases = EnvironmentDatabases(server: fixture.server, spares: pool, log: log.callback)
            let preview = try databases.create("pr-65", from: .snapshot(newer.name), password: "pw-65")
            #expect(log.count(containing: "from spare") == 0, "\(log.all)")
            #expect(try fixture.slipwayObjects().contains(olderSpare), "the older snapshot's spare was left alone")
            let rows = try PostgresConnection(preview.url).query("SELECT count(*) AS n FROM customers")
            #expect(rows.first?.int("n") == 2)

            // Stale: a spare name of a snapshot that does not exist, a surplus number, a spare
            // without its label (half made), and the older snapshot's spare.
            let newerSuffix = String(newer.name.dropFirst("slipway_snap_".count))
            let stale = ["slipway_spare_19990101000000_1", "slipway_spare_\(newerSuffix)_2"]
            for name in stale { _ = try cluster.createDatabase(name) }
            let made = try pool.replenish()
            let newerSpare = "slipway_spare_\(newerSuffix)_1"
            #expect(made == [newerSpare])
            #expect(try fixture.slipwayObjects().filter { $0.hasPrefix("slipway_spare_") } == [newerSpare], "\(log.all)")

            // A spare with no label (as a crashed process leaves it) is not taken and is replaced.
            try PostgresConnection(cluster.conninfo).execute("COMMENT ON DATABASE \(newerSpare) IS NULL")
            _ = try databases.create("pr-66", from: .snapshot(newer.name), password: "pw-66")
            #expect(log.count(containing: "from spare") == 0, "\(log.all)")
            #expect(try pool.replenish() == [newerSpare], "the unlabelled spare was dropped and made again")
            try databases.drop("pr-66")

            // Pruning the newer snapshot (keep 1 after a third) drops its spare with it.
            let third = try engine.create(rules: fixture.rules(), keep: 1)
            #expect(try engine.list().map(\.name) == [third.name])
            #expect(try fixture.slipwayObjects().filter { $0.hasPrefix("slipway_spare_") } == [], "\(log.all)")
            try databases.drop("pr-65")
            try engine.drop(third.name)
        }
    }

    @Test("a pool of more spares than allowed is refused with a clear error")
    func sparesBound() throws {
        let server = DataServer(admin: "host=/tmp", production: nil, workDirectory: "/tmp")
        let error = try #require(throws: DataError.self) { try SparePool(server: server, perSnapshot: SparePool.maximumPerSnapshot + 1) }
        #expect(error.message.contains("between 0 and"))
        #expect(throws: DataError.self) { try SparePool(server: server, perSnapshot: -1) }
    }
}
