import CLITestSupport
import Demo
import Foundation
import Store
import Testing
import TestSupport

/// `slipway snapshot create|list|show|verify|drop` and `slipway env refresh` against a real
/// PostgreSQL, configured the way an operator does (connection strings named by file, never inline).
@Suite("slipway snapshot and env refresh")
struct SnapshotCommandTests {
    @Test("create, list, show, verify and drop a snapshot from the CLI; the record names rules, verify and scan; no connection string is printed")
    func snapshotCommands() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-snapshot-cli")
        let database = try DemoDatabase(directory: dir.path)
        defer { database.stop() }
        let repository = try ExampleRepository(exampleDirectory: exampleApp, path: dir.path + "/app.git", withDatabases: true)
        let config = try dir.write("slipway.yaml", """
        repo: \(repository.path)
        work-dir: \(dir.path)/work
        databases:
          admin: { file: \(database.adminFile) }
          production: { file: \(database.productionFile) }
        snapshot: { keep: 2 }
        """)
        let created = runCLI(["snapshot", "create", "--config", config])
        #expect(created.code == 0, "\(created.err)")
        #expect(created.out.contains("verify     passed") && created.out.contains("scan       passed"), "\(created.out)")
        #expect(created.out.contains("customers.email: email"))
        // The source is named (host, port, database), never its connection string.
        #expect(!created.out.contains(database.cluster.conninfo(database: "shop")) && !created.out.contains("user="), "a connection string was printed")
        let name = try #require(created.out.split(separator: "\n").first?.split(separator: " ").last.map(String.init))
        #expect(name.hasPrefix("slipway_snap_"))
        // The record is committed to the evidence branch.
        let tip = try repository.repository.resolve("refs/heads/slipway/evidence")
        #expect(try repository.repository.blob(at: "snapshots/\(name).json", commit: tip) != nil)

        let list = runCLI(["snapshot", "list", "--config", config])
        #expect(list.code == 0 && list.out.contains(name), "\(list.out)\(list.err)")
        let show = runCLI(["snapshot", "show", name, "--config", config, "--json"])
        let record = try #require(try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any])
        #expect((record["scan"] as? [String: Any])?["passed"] as? Bool == true)
        #expect((record["rules"] as? [String])?.isEmpty == false)
        let verify = runCLI(["snapshot", "verify", name, "--config", config])
        #expect(verify.code == 0, "\(verify.out)\(verify.err)")
        #expect(runCLI(["snapshot", "show", "slipway_snap_nope", "--config", config]).code == 1)
        let dropped = runCLI(["snapshot", "drop", name, "--config", config])
        #expect(dropped.code == 0, "\(dropped.err)")
        #expect(!runCLI(["snapshot", "list", "--config", config]).out.contains(name))

        // Without a database server configured, a clear refusal.
        let bare = try dir.write("bare.yaml", "work-dir: \(dir.path)/work\n")
        let refused = runCLI(["snapshot", "list", "--config", bare])
        #expect(refused.code == 1 && refused.err.contains("databases.admin"), "\(refused.err)")
    }

    @Test("env refresh queues a redeploy that recreates staging's database; production is refused")
    func refresh() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-refresh")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, withDatabases: true)
        defer { s.shutdown() }
        let main = try s.repository.head("main")
        let staging = try s.waitFor("staging", .healthy, sha: main)
        let cluster = try #require(s.database?.cluster)
        // Something written into staging's copy since it was made...
        let names = try cluster.psql("SELECT datname FROM pg_database WHERE datname LIKE 'slipway_env_staging%'").trimmingCharacters(in: .whitespacesAndNewlines)
        try cluster.psql("UPDATE customers SET name = 'changed on staging' WHERE id = 1", database: names)
        let result = runCLI(["env", "refresh", "staging", "--work-dir", dir.path + "/bot", "--repo", s.repository.path])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("refresh staging's database"))
        // ...is gone after the refresh's redeploy.
        try Eventually.wait(for: "the refreshed copy", timeout: 90) {
            (try? cluster.psql("SELECT name FROM customers WHERE id = 1", database: names))?.contains("Person 1") == true
        }
        _ = try s.waitFor("staging", .healthy, sha: staging.sha)
        let production = runCLI(["env", "refresh", "production", "--work-dir", dir.path + "/bot", "--repo", s.repository.path])
        #expect(production.code == 1)
    }
}
