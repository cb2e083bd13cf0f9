import Data
import Demo
import Foundation
import SlipwayCore
import Store
import Testing
import TestSupport

/// Environments with data, through the real bot on a real PostgreSQL: sanitized copies of a
/// "production" shop, the snapshot's rules from main (never from a pull request), neutralization
/// that runs on the copy, and teardown that leaves no database or role behind.
@Suite("Data: a sanitized copy of production per environment")
struct DataLoopTests {
    /// Every production value a copy must not contain.
    static var productionValues: [String] {
        DemoDatabase.customers.flatMap { [$0.0, $0.1, $0.2] + ($0.3.isEmpty ? [] : [$0.3]) }
            + ["ada.l@mailbox.example.net", "4242 4242 4242 4242", "sk_live_"]
    }

    /// Counts the rows of every text-like column of `database` that contain `value`.
    static func occurrences(of value: String, in database: String, cluster: PostgresCluster) throws -> [String] {
        let columns = try cluster.psql("""
            SELECT table_schema || '.' || table_name || '.' || column_name FROM information_schema.columns
            WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
              AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'xml')
            """, database: database).split(separator: "\n").map(String.init)
        #expect(!columns.isEmpty, "no text columns in \(database)")
        var hits: [String] = []
        let literal = value.replacingOccurrences(of: "'", with: "''")
        for column in columns {
            let parts = column.split(separator: ".").map(String.init)
            let count = try cluster.psql("SELECT count(*) FROM \"\(parts[0])\".\"\(parts[1])\" WHERE \"\(parts[2])\"::text LIKE '%' || '\(literal)' || '%'",
                                         database: database).trimmingCharacters(in: .whitespacesAndNewlines)
            if count != "0" { hits.append("\(column) (\(count) rows)") }
        }
        return hits
    }

    @Test("staging and a preview run on their own sanitized copies; a PR cannot change the rules; teardown drops database and role")
    func sanitizedCopies() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-data")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, withDatabases: true)
        defer { s.shutdown() }
        let cluster = try #require(s.database?.cluster)
        let snapshot = try #require(s.snapshot)
        #expect(snapshot.scan.passed && snapshot.verify.allSatisfy(\.passed))

        let staging = try s.waitFor("staging", .healthy, sha: try s.repository.head("main"))
        let (status, customer) = try s.fetch(try #require(staging.url) + "/customer")
        #expect(status == 200)
        #expect(customer.hasPrefix("Person 1 <user1@example.invalid>"), "\(customer)")

        // A hostile PR: its copy of the specs asks for no sanitizing, an empty database it could
        // fill, and a crons_sql of its own. None of it applies: previews read main's specs.
        let hostile = """
        kind: preview
        name: "pr-{{pr.number}}"
        match: { pull_request: { base: main } }
        build: [{ run: "sh build.sh" }]
        deploy: { run: "sh serve.sh" }
        neutralize: { mail: catch-all, crons: off, crons_sql: ["UPDATE settings SET value = 'hacked'"] }
        database:
          from: empty
        """
        let head = try s.repository.commit("hostile", ["environments/preview.yaml": hostile, "app/index.html": DemoScenario.page("Data PR")],
                                           message: "Use an empty database")
        try s.repository.setPullHead(9, head)
        s.forge.addPullRequest(number: 9, headSHA: head, headRef: "hostile")
        try s.expectAccepted(s.deliver(event: "pull_request", s.payloads.pullRequest(action: "opened", number: 9, headSHA: head, headRef: "hostile")))
        let preview = try s.waitFor("pr-9", .healthy, sha: head)
        let (_, previewCustomer) = try s.fetch(try #require(preview.url) + "/customer")
        #expect(previewCustomer.hasPrefix("Person 1 <user1@example.invalid>"), "\(previewCustomer)")

        let names = EnvironmentDatabases(server: DataServer(admin: cluster.conninfo, production: nil, workDirectory: dir.path))
        let previewDatabase = names.database(for: "pr-9"), stagingDatabase = names.database(for: "staging")
        // main's crons_sql ran on the copy, as the environment's role; the PR's did not.
        #expect(try cluster.psql("SELECT value FROM settings WHERE key = 'crons'", database: previewDatabase).contains("off"))
        #expect(try cluster.psql("SELECT count(*) FROM settings WHERE key = 'payments_live_key'", database: previewDatabase).contains("0"))
        // No production value is readable from any text column of either copy.
        for database in [previewDatabase, stagingDatabase] {
            for value in Self.productionValues {
                let hits = try Self.occurrences(of: value, in: database, cluster: cluster)
                #expect(hits.isEmpty, "\(value) readable in \(database): \(hits)")
            }
        }
        // The comment and the evidence say which snapshot the preview runs on.
        let comment = try s.waitForComment(on: 9) { $0.contains("snapshot \(snapshot.name)") }
        #expect(comment.contains("credential scan passed"))
        #expect(!comment.contains(cluster.directory))

        // Merged: the preview's database and role are dropped.
        _ = try s.mergePullRequest(9, branch: "hostile")
        try s.waitFor("pr-9", .tornDown)
        #expect(try cluster.psql("SELECT count(*) FROM pg_database WHERE datname = '\(previewDatabase)'").contains("0"))
        #expect(try cluster.psql("SELECT count(*) FROM pg_roles WHERE rolname = '\(previewDatabase)'").contains("0"))
        #expect(try cluster.psql("SELECT count(*) FROM pg_database WHERE datname = '\(stagingDatabase)'").contains("1"))
    }

    @Test("a missing sanitize rule refuses the snapshot, naming table, column and rule but no value; staging then does not start")
    func missingRuleRefused() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-data-refused")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, withDatabases: true,
                                 initialSnapshot: false) { repository in
            // Someone forgets the free-text notes (which hold an email and a card number).
            let specs = dir.path + "/staging.yaml"
            let original = try String(contentsOfFile: exampleApp + "/environments/staging.yaml", encoding: .utf8)
            let edited = original.replacingOccurrences(of: ", notes: redact", with: "")
            #expect(edited != original)
            try edited.write(toFile: specs, atomically: true, encoding: .utf8)
            try repository.commit("main", ["environments/staging.yaml": edited], message: "Forget the notes")
        }
        defer { s.shutdown() }
        let database = try #require(s.database)

        // No snapshot yet: staging is refused before anything runs, and says what to do.
        let staging = try s.waitFor("staging", .failed)
        #expect(staging.lastError?.contains("no sanitized snapshot covers") == true, "\(staging.lastError ?? "")")
        #expect(staging.lastError?.contains("slipway snapshot create") == true)

        do {
            _ = try database.makeSnapshot(repository: s.repository.path, workDir: dir.path + "/bot", grants: GrantTable())
            Issue.record("a snapshot with unsanitized notes was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("customers") && message.contains("notes"), "\(message)")
            for value in ["ada.l@mailbox.example.net", "4242", "lovelace"] {
                #expect(!message.contains(value), "the refusal repeats a value: \(message)")
            }
        }
        // The refused copy is gone.
        #expect(try database.cluster.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'slipway_snap_%'").contains("0"))
    }
}
