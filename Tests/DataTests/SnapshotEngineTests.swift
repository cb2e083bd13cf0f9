import Data
import Foundation
import Postgres
import SlipwayCore
import Testing
import TestSupport

@Suite("Snapshots and environment databases", .postgresCluster, .serialized)
struct SnapshotEngineTests {
    @Test("with complete rules no seeded value is readable from the snapshot or a preview, and the record says what was done")
    func completeRulesLeaveNothing() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let engine = SnapshotEngine(server: fixture.server)
            let record = try engine.create(rules: fixture.rules())
            #expect(record.name.hasPrefix("slipway_snap_"))
            #expect(record.scan.passed && record.scan.columnsScanned >= 8)
            #expect(record.verify.count == DataFixture.verify.count && record.verify.allSatisfy(\.passed))
            #expect(record.rules.contains("customers.email: email"))
            #expect(!record.source.contains(fixture.productionPassword) && record.source.contains("127.0.0.1"))
            for step in ["dump", "restore", "sanitize", "verify", "scan", "total"] { #expect(record.durations[step] != nil, "\(step)") }
            #expect(try engine.show(record.name) == record)
            #expect(try engine.newest()?.name == record.name)
            #expect(try fixture.leaks(in: record.name) == [])

            let databases = EnvironmentDatabases(server: fixture.server)
            let credentials = try databases.create("pr-7", from: .snapshot(record.name), password: "preview-pw-1")
            #expect(try fixture.leaks(in: credentials.database) == [])
            let connection = try PostgresConnection(credentials.url)
            let rows = try connection.query("SELECT c.email, o.contact_email, c.balance FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY c.id")
            #expect(rows.map { $0["email"] } == ["user1@example.invalid", "user2@example.invalid"])
            #expect(rows.map { $0["contact_email"] } == rows.map { $0["email"] }, "the same customer gets the same fake wherever a rule keys on its id")
            let balance = try #require(rows.first?.double("balance"))
            #expect(balance >= 1200.50 * 0.8 && balance <= 1200.50 * 1.2)
            // The app owns what it got: it can migrate its schema.
            try connection.execute("ALTER TABLE customers ADD COLUMN migrated int; CREATE TABLE app_new (id int)")
            #expect(credentials.environment["PGPASSWORD"] == "preview-pw-1")
            try databases.drop("pr-7")
        }
    }

    @Test("leaving out any one rule makes verify or the scan refuse, naming table and column and never the value")
    func missingRuleRefuses() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let engine = SnapshotEngine(server: fixture.server)
            let before = try fixture.slipwayObjects().filter { $0.hasPrefix("slipway_snap_") }
            let expectations: [(table: String, column: String)] = [
                ("customers", "email"), ("customers", "phone"), ("customers", "name"), ("customers", "street"),
                ("customers", "notes"), ("customers", "profile"), ("orders", "contact_email"), ("orders", "card"),
                ("settings", "value"), ("mail_queue", "body"), ("jobs", "active"),
            ]
            for (index, expected) in expectations.enumerated() {
                do {
                    _ = try engine.create(rules: fixture.rules(leavingOut: index))
                    Issue.record("snapshot without rule \(index) (\(expected)) was not refused")
                } catch {
                    let message = "\(error)"
                    #expect(message.contains(expected.table) && message.contains(expected.column), "rule \(index): \(message)")
                    for value in DataFixture.seeded { #expect(!message.contains(value), "rule \(index) leaks a value: \(message)") }
                    #expect(!message.contains(fixture.productionPassword))
                }
            }
            #expect(try fixture.slipwayObjects().filter { $0.hasPrefix("slipway_snap_") } == before, "refused snapshots are dropped")
            #expect(try fixture.slipwayObjects().filter { $0.hasPrefix("slipway_snapshot_worker") } == [], "no sanitizing role is left behind")
        }
    }

    @Test("a preview's role cannot connect to another preview's database, the snapshot, postgres or template1")
    func previewsAreIsolated() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let snapshot = try SnapshotEngine(server: fixture.server).create(rules: fixture.rules())
            let databases = EnvironmentDatabases(server: fixture.server)
            let a = try databases.create("pr-1", from: .snapshot(snapshot.name), password: "pw-a-secret")
            let b = try databases.create("pr-2", from: .snapshot(snapshot.name), password: "pw-b-secret")
            #expect(a.database != b.database && a.user != b.user)
            #expect(fixture.connectError(database: a.database, user: a.user, password: a.password) == nil)
            for database in [b.database, snapshot.name, "postgres", "template1"] {
                let error = try #require(fixture.connectError(database: database, user: a.user, password: a.password), "\(a.user) reached \(database)")
                #expect(error.contains("permission denied") || error.contains("CONNECT"), "\(error)")
                #expect(!error.contains(a.password))
            }
            #expect(fixture.connectError(database: a.database, user: b.user, password: b.password) != nil)
            #expect(fixture.connectError(database: a.database, user: a.user, password: "wrong") != nil)
            try databases.drop("pr-1")
            try databases.drop("pr-2")
        }
    }

    @Test("teardown drops database and role, and is idempotent")
    func dropRemovesBoth() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let databases = EnvironmentDatabases(server: fixture.server)
            let credentials = try databases.create("feature/Login-Page", from: .empty, password: "pw")
            #expect(credentials.database.hasPrefix("slipway_env_feature_login_page_"))
            #expect(try databases.list().contains("feature/Login-Page"))
            #expect(try databases.exists("feature/Login-Page"))
            let held = try PostgresConnection(credentials.url)  // an app still connected
            try databases.drop("feature/Login-Page")
            _ = held
            #expect(try !fixture.slipwayObjects().contains(credentials.database))
            #expect(try !databases.exists("feature/Login-Page"))
            try databases.drop("feature/Login-Page")
            #expect(throws: DataError.self) { try databases.drop("") }
        }
    }

    @Test("two previews created at once from one snapshot both work")
    func concurrentPreviews() async throws {
        let cluster = try PostgresCluster.current()
        let fixture = try await blocking { try DataFixture.make(cluster) }
        let snapshot = try await blocking { try SnapshotEngine(server: fixture.server).create(rules: fixture.rules()) }
        let databases = EnvironmentDatabases(server: fixture.server)
        async let first = blocking { try databases.create("pr-31", from: .snapshot(snapshot.name), password: "pw-31") }
        async let second = blocking { try databases.create("pr-32", from: .snapshot(snapshot.name), password: "pw-32") }
        for credentials in try await [first, second] {
            let rows = try PostgresConnection(credentials.url).query("SELECT count(*) AS n FROM customers")
            #expect(rows.first?.int("n") == 2)
        }
        try await blocking {
            try databases.drop("pr-31")
            try databases.drop("pr-32")
        }
    }

    @Test("keep prunes older snapshots, newest first in the list")
    func keepPrunes() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let engine = SnapshotEngine(server: fixture.server)
            for existing in try engine.list() { try engine.drop(existing.name) }
            let made = try (0..<3).map { _ in try engine.create(rules: fixture.rules(), keep: 2) }
            #expect(Set(made.map(\.name)).count == 3, "names are unique even within one second")
            let listed = try engine.list().map(\.name)
            #expect(Set(listed) == Set(made.suffix(2).map(\.name)))
            #expect(try !fixture.slipwayObjects().contains(made[0].name))
            #expect(throws: DataError.self) { try engine.create(rules: fixture.rules(), keep: 0) }
        }
    }

    @Test("the environment scan finds a credential the app planted; copies carry the data; run uses the env's own role")
    func environmentScanAndCopy() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let snapshot = try SnapshotEngine(server: fixture.server).create(rules: fixture.rules())
            let databases = EnvironmentDatabases(server: fixture.server)
            _ = try databases.create("staging", from: .snapshot(snapshot.name), password: "pw-staging")
            #expect(try databases.scan("staging", rules: fixture.rules()).passed)
            try databases.run("staging", statements: ["INSERT INTO settings VALUES ('planted', 'token internal-token-abc sk_live_PLANTEDvalue123')"], password: "pw-staging")
            let scan = try databases.scan("staging", rules: fixture.rules())
            #expect(!scan.passed)
            #expect(scan.findings.contains(ScanFinding(table: "public.settings", column: "value", rule: "Stripe live secret key (sk_live_)")))
            #expect(scan.findings.contains { $0.rule == "forbid pattern internal-token-*" })
            let error = try #require(throws: DataError.self) {
                try databases.run("staging", statements: ["SELECT 1", "ALTER ROLE CURRENT_USER SUPERUSER"], password: "pw-staging")
            }
            #expect(error.message.contains("statement 2") && !error.message.contains("pw-staging"))

            let copy = try databases.create("pr-40", from: .copy(of: "staging"), password: "pw-copy")
            let planted = try PostgresConnection(copy.url).query("SELECT count(*) AS n FROM settings WHERE key = 'planted'")
            #expect(planted.first?.int("n") == 1)
            try PostgresConnection(copy.url).execute("DROP TABLE settings")  // owned by its role
            try databases.drop("pr-40")
            try databases.drop("staging")
        }
    }

    @Test("sanitize rules run without superuser rights and bad rules get clear errors")
    func ruleErrors() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let engine = SnapshotEngine(server: fixture.server)
            let table = DataFixture.table
            let cases: [(SanitizeRule, String)] = [
                (.columns(table: table("nope"), key: nil, columns: [ColumnRule(column: "x", strategy: .email)]), "no table nope"),
                (.columns(table: table("customers"), key: nil, columns: [ColumnRule(column: "nope", strategy: .email)]), "no column nope in public.customers"),
                (.columns(table: table("customers"), key: nil, columns: [ColumnRule(column: "email", strategy: .null)]), "NOT NULL"),
                (.columns(table: table("customers"), key: nil, columns: [ColumnRule(column: "notes", strategy: .scale(low: 1, high: 2))]), "scale needs a numeric column"),
                (.columns(table: table("customers"), key: "nope", columns: [ColumnRule(column: "email", strategy: .email)]), "no key column nope"),
                (.sql("COPY (SELECT 1) TO PROGRAM 'touch /tmp/slipway-pwned'"), "SQLSTATE 42501"),
                (.sql("RESET ROLE"), ""),
            ]
            for (rule, expected) in cases.dropLast() {
                let error = try #require(throws: DataError.self) {
                    try engine.create(rules: SnapshotRules(sanitize: [rule], verify: [], productionSecrets: []))
                }
                #expect(error.message.contains(expected), "\(error.message)")
            }
            let escalate = try #require(throws: DataError.self) {
                try engine.create(rules: SnapshotRules(sanitize: [.sql("RESET ROLE"), .sql("CREATE ROLE slipway_evil SUPERUSER")], verify: [], productionSecrets: []))
            }
            #expect(escalate.message.contains("SQLSTATE 42501"), "\(escalate.message)")
            #expect(!FileManager.default.fileExists(atPath: "/tmp/slipway-pwned"))
            let verifyError = try #require(throws: DataError.self) {
                try engine.create(rules: SnapshotRules(sanitize: [], verify: ["SELECT email::int FROM customers"], productionSecrets: []))
            }
            #expect(verifyError.message.contains("verify query 1"), "\(verifyError.message)")
            for value in DataFixture.seeded { #expect(!verifyError.message.contains(value), "\(verifyError.message)") }
        }
    }

    @Test("passwords never appear in errors: a wrong production password, an old pg_dump")
    func passwordsStayOut() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let wrong = "wrong-Pa55word-xyz"
            let badProduction = DataServer(admin: fixture.cluster.conninfo,
                                           production: "postgresql://prod_ro_nobody:\(wrong)@127.0.0.1:\(fixture.cluster.port)/postgres",
                                           workDirectory: fixture.work)
            let error = try #require(throws: DataError.self) { try SnapshotEngine(server: badProduction).create(rules: fixture.rules()) }
            #expect(!error.message.contains(wrong) && error.message.contains("production"), "\(error.message)")

            let tools = fixture.work + "/old-tools"
            try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
            for tool in ["pg_dump", "pg_restore"] {
                try "#!/bin/sh\necho '\(tool) (PostgreSQL) 9.6.24'\n".write(toFile: tools + "/" + tool, atomically: true, encoding: .utf8)
                chmod(tools + "/" + tool, 0o755)
            }
            let old = DataServer(admin: fixture.cluster.conninfo, production: fixture.server.production, toolsDirectory: tools, workDirectory: fixture.work)
            let versionError = try #require(throws: DataError.self) { try SnapshotEngine(server: old).create(rules: fixture.rules()) }
            #expect(versionError.message.contains("older than the production server") && versionError.message.contains("install"), "\(versionError.message)")
            #expect(!versionError.message.contains(fixture.productionPassword))
        }
    }
}
