import Foundation
import Postgres
import Testing
import TestSupport

@Suite("PostgreSQL connection", .postgresCluster)
struct PostgresConnectionTests {
    @Test("every value type round-trips, including NULL, bytea with NUL bytes and unicode")
    func valueRoundTrip() throws {
        let db = try freshConnection()
        try db.execute("""
            CREATE TABLE t (id serial PRIMARY KEY, i int8, d float8, b bool, s text, raw bytea, n text);
            """)
        let bytes: [UInt8] = [0, 1, 0, 0xFF, 0x5C, 0x78, 0]
        let text = "naïve 日本語 🚢 'single' \"double\" \\x back\\slash"
        let inserted = try db.run("INSERT INTO t (i, d, b, s, raw, n) VALUES ($1, $2, $3, $4, $5, $6)",
                                  [.int(Int64.min), .double(-1.5e-300), .bool(true), .text(text), .bytea(bytes), .null])
        #expect(inserted == 1)
        try db.run("INSERT INTO t (i, d, b, s, raw, n) VALUES ($1, $2, $3, $4, $5, $6)",
                   [.int(Int64.max), .double(.infinity), false, "", .bytea([]), nil])
        try db.run("INSERT INTO t (d) VALUES ($1), ($2)", [.double(.nan), .double(-.infinity)])

        let rows = try db.query("SELECT i, d, b, s, raw, n FROM t ORDER BY id")
        try #require(rows.count == 4)
        #expect(rows[0].columns == ["i", "d", "b", "s", "raw", "n"])
        #expect(rows[0].int64("i") == Int64.min)
        #expect(rows[0].double("d") == -1.5e-300)
        #expect(rows[0].bool("b") == true)
        #expect(rows[0]["s"] == text)
        #expect(rows[0].bytes("raw") == bytes)
        #expect(rows[0].isNull("n"))
        #expect(rows[1].int64("i") == Int64.max)
        #expect(rows[1].double("d") == .infinity)
        #expect(rows[1].bool("b") == false)
        #expect(rows[1]["s"] == "", "empty text is not NULL")
        #expect(rows[1].bytes("raw") == [], "empty bytea is not NULL")
        #expect(rows[2].double("d")?.isNaN == true)
        #expect(rows[3].double("d") == -.infinity)
        #expect(rows[3].isNull("i") && rows[3].isNull("raw"))

        let lengths = try db.query("SELECT octet_length(raw) AS len, char_length(s) AS chars FROM t ORDER BY id LIMIT 1")
        #expect(lengths.first?.int("len") == bytes.count, "the server stored every byte, NULs included")
        #expect(lengths.first?.int("chars") == text.count, "the server sees characters, not mangled bytes")
    }

    @Test("parameters bind by position and text parameters take the type the context needs")
    func parameters() throws {
        let db = try freshConnection()
        #expect(try db.query("SELECT $1::int + $2 AS sum", [40, 2]).first?.int("sum") == 42)
        #expect(try db.query("SELECT ($1::jsonb) ->> 'k' AS v", [#"{"k": "v"}"#]).first?["v"] == "v")
        #expect(try db.query("SELECT $1 AS echo", ["plain"]).first?["echo"] == "plain")
        #expect(try db.query("SELECT $1::text IS NULL AS isnull", [nil]).first?.bool("isnull") == true)
        #expect(try db.query("SELECT $1 = 0.1 AS same", [0.1]).first?.bool("same") == true, "doubles keep full precision")
        try db.execute("CREATE TABLE n (small int4, when_at timestamptz)")
        try db.run("INSERT INTO n VALUES ($1, $2)", [7, "2024-01-02T03:04:05Z"])
        #expect(try db.query("SELECT small FROM n WHERE small = $1", [7]).count == 1)

        let error = try #require(throws: PostgresError.self) { try db.query("SELECT $1", [.text("a\u{0}b")]) }
        #expect(error.message.contains("NUL"))
        let countMismatch = try #require(throws: PostgresError.self) { try db.query("SELECT $1::int, $2::int", [1]) }
        #expect(countMismatch.sqlState == "08P01", "the server rejects a bind message with the wrong parameter count")
        #expect(db.isConnected)
    }

    @Test("a unique violation has SQLSTATE 23505 and names the constraint without quoting values")
    func uniqueViolation() throws {
        let db = try freshConnection()
        try db.execute("CREATE TABLE users (id serial PRIMARY KEY, token text NOT NULL CONSTRAINT users_token_key UNIQUE)")
        try db.run("INSERT INTO users (token) VALUES ($1)", ["tok-secret-1"])
        let error = try #require(throws: PostgresError.self) {
            try db.run("INSERT INTO users (token) VALUES ($1)", ["tok-secret-1"])
        }
        #expect(error.sqlState == "23505")
        #expect(error.isUniqueViolation)
        #expect(!error.isSerializationFailure)
        #expect(error.severity == "ERROR")
        #expect(error.function == "PQexecParams")
        #expect(error.constraint == "users_token_key")
        #expect(error.message.contains("duplicate key value violates unique constraint"))
        #expect(error.detail?.contains("already exists") == true)
        #expect(!error.description.contains("tok-secret-1"), "the description leaves out DETAIL, which quotes the value")
        #expect(try db.query("SELECT count(*) AS n FROM users").first?.int("n") == 1)
    }

    @Test("a syntax error has SQLSTATE 42601 and the server's message")
    func syntaxError() throws {
        let db = try freshConnection()
        let error = try #require(throws: PostgresError.self) { try db.query("SELEC 1") }
        #expect(error.sqlState == "42601")
        #expect(error.message == #"syntax error at or near "SELEC""#)
        #expect(error.description.contains("42601"))
        let execError = try #require(throws: PostgresError.self) { try db.execute("SELECT 1; SELEC 2") }
        #expect(execError.sqlState == "42601")
        #expect(execError.function == "PQexec")
        #expect(try db.query("SELECT 1 AS one").first?.int("one") == 1, "the connection is still usable")
    }

    @Test("a transaction commits, rolls back on a thrown error, and nests with savepoints")
    func transactions() throws {
        let db = try freshConnection()
        try db.execute("CREATE TABLE t (a int)")
        try db.transaction { try db.run("INSERT INTO t VALUES (1)") }
        #expect(throws: Abort.self) {
            try db.transaction(.serializable) {
                try db.run("INSERT INTO t VALUES (2)")
                throw Abort()
            }
        }
        try db.transaction {
            try db.run("INSERT INTO t VALUES (3)")
            #expect(throws: Abort.self) {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (4)")
                    throw Abort()
                }
            }
            try db.transaction { try db.run("INSERT INTO t VALUES (5)") }
        }
        #expect(try db.query("SELECT a FROM t ORDER BY a").map { $0.int("a") } == [1, 3, 5])

        // A failed command whose error the body swallows must not look like a commit.
        let error = try #require(throws: PostgresError.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (6)")
                _ = try? db.query("SELECT * FROM missing_table")
            }
        }
        #expect(error.sqlState == "25P02")
        #expect(try db.query("SELECT count(*) AS n FROM t").first?.int("n") == 3)
        #expect(try db.query("SELECT 1 AS one").first?.int("one") == 1, "the connection left the aborted transaction")
    }

    @Test("a prepared statement runs many times with different parameters")
    func preparedStatements() throws {
        let db = try freshConnection()
        try db.execute("CREATE TABLE kv (k text PRIMARY KEY, v int8 NOT NULL)")
        try db.prepare(name: "put", sql: "INSERT INTO kv (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")
        try db.prepare(name: "get", sql: "SELECT v FROM kv WHERE k = $1")
        for index in 0..<20 {
            #expect(try db.run(prepared: "put", params: [.text("k\(index % 10)"), .int(Int64(index))]) == 1)
        }
        #expect(try db.query(prepared: "get", params: ["k3"]).first?.int("v") == 13)
        #expect(try db.query(prepared: "get", params: ["k9"]).first?.int("v") == 19)
        #expect(try db.query(prepared: "get", params: ["nope"]).isEmpty)

        let duplicate = try #require(throws: PostgresError.self) { try db.prepare(name: "get", sql: "SELECT 1") }
        #expect(duplicate.sqlState == "42P05")
        let missing = try #require(throws: PostgresError.self) { try db.query(prepared: "nothing") }
        #expect(missing.sqlState == "26000")
    }

    @Test("two connections using FOR UPDATE SKIP LOCKED each claim a different job")
    func skipLocked() throws {
        let (_, conninfo) = try freshDatabase()
        let first = try PostgresConnection(conninfo)
        let second = try PostgresConnection(conninfo)
        try first.execute("""
            CREATE TABLE jobs (id serial PRIMARY KEY, state text NOT NULL DEFAULT 'queued');
            INSERT INTO jobs (state) VALUES ('queued'), ('queued');
            """)
        let claim = """
            SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
            """
        try first.transaction {
            let firstJob = try #require(try first.query(claim).first?.int("id"))
            try second.transaction {
                let secondJob = try #require(try second.query(claim).first?.int("id"))
                #expect(firstJob != secondJob)
                #expect(try second.query(claim).first?.int("id") == secondJob, "a transaction sees its own lock")
                try first.transaction {
                    // Nested (savepoint) in the first transaction: both rows are now locked by someone.
                    let again = try first.query(claim).first?.int("id")
                    #expect(again == firstJob)
                }
                try second.run("UPDATE jobs SET state = 'running' WHERE id = $1", [.int(Int64(secondJob))])
            }
            try first.run("UPDATE jobs SET state = 'running' WHERE id = $1", [.int(Int64(firstJob))])
        }
        let third = try PostgresConnection(conninfo)
        #expect(try third.query(claim).isEmpty)
        #expect(try third.query("SELECT count(*) AS n FROM jobs WHERE state = 'running'").first?.int("n") == 2)
    }

    @Test("server notices go to the handler and never to stderr")
    func noticesStayOffStderr() throws {
        let marker = "slipway-notice-\(UUID().uuidString)"
        let notices = Collector<PostgresNotice>()
        let (_, conninfo) = try freshDatabase()
        let withHandler = try PostgresConnection(conninfo) { notices.append($0) }
        let silent = try PostgresConnection(conninfo)

        let captured = try captureStandardError {
            try withHandler.execute("DO $$ BEGIN RAISE NOTICE '%', '\(marker)'; END $$")
            try silent.execute("DO $$ BEGIN RAISE WARNING '%', '\(marker)'; END $$")
            try silent.execute("DROP TABLE IF EXISTS no_such_table")  // a server-generated NOTICE
        }
        #expect(!captured.contains(marker), "stderr got: \(captured)")
        #expect(!captured.contains("no_such_table"), "stderr got: \(captured)")
        #expect(notices.values == [PostgresNotice(severity: "NOTICE", sqlState: "00000", message: marker)])
    }

    @Test("a failed connection never reveals the password")
    func connectionErrorsHideThePassword() throws {
        let cluster = try PostgresCluster.current()
        try cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'slipway_app') THEN CREATE ROLE slipway_app LOGIN PASSWORD 'right-Pa55word'; END IF; END $$")

        // Wrong password against SCRAM authentication over TCP.
        let wrong = "wrong-Pa55word-\(UUID().uuidString.prefix(8))"
        let authError = try #require(throws: PostgresError.self) {
            try PostgresConnection("postgres://slipway_app:\(wrong)@127.0.0.1:\(cluster.port)/postgres")
        }
        #expect(authError.message.contains("password authentication failed"), "\(authError)")
        #expect(authError.isConnectionFailure)
        #expect(!authError.description.contains(wrong))
        #expect(!"\(authError)".contains(wrong) && !String(reflecting: authError).contains(wrong))

        // The same in key=value form.
        let keyValueError = try #require(throws: PostgresError.self) {
            try PostgresConnection("host=127.0.0.1 port=\(cluster.port) user=slipway_app password='\(wrong)' dbname=postgres")
        }
        #expect(!String(reflecting: keyValueError).contains(wrong))

        // The right password works over TCP with a URL.
        let app = try PostgresConnection("postgres://slipway_app:right-Pa55word@127.0.0.1:\(cluster.port)/postgres")
        #expect(try app.query("SELECT current_user AS u").first?["u"] == "slipway_app")

        // Nothing listening, and a percent-encoded password.
        let refused = try #require(throws: PostgresError.self) {
            try PostgresConnection("postgres://someone:pa%40ss-SECRET-1@127.0.0.1:1/db")
        }
        #expect(refused.message.contains("127.0.0.1"), "\(refused)")
        let refusedText = String(reflecting: refused)
        #expect(!refusedText.contains("pa%40ss-SECRET-1") && !refusedText.contains("pa@ss-SECRET-1") && !refusedText.contains("SECRET"))

        // A URL libpq cannot parse: libpq quotes the whole URL in its message.
        let malformed = try #require(throws: PostgresError.self) {
            try PostgresConnection("postgres://someone:hunter2-SECRET@[::1/db")
        }
        #expect(malformed.function == "PQconninfoParse")
        #expect(!String(reflecting: malformed).contains("hunter2"), "\(malformed)")
    }

    @Test("a URL with the socket directory in ?host= connects")
    func socketURL() throws {
        let cluster = try PostgresCluster.current()
        let url = "postgresql://postgres@/postgres?host=\(cluster.socketDirectory)&port=\(cluster.port)"
        let db = try PostgresConnection(url)
        #expect(try db.query("SELECT current_database() AS d").first?["d"] == "postgres")
        #expect(try db.query("SHOW client_encoding").first?["client_encoding"] == "UTF8")
        #expect(db.serverVersion / 10000 == 15)
    }

    @Test("a connection whose backend was terminated reports it and recovers with reset")
    func resetAfterTermination() throws {
        let (_, conninfo) = try freshDatabase()
        let victim = try PostgresConnection(conninfo)
        let admin = try PostgresConnection(conninfo)
        let pid = victim.backendPID
        // pg_terminate_backend with a timeout waits until the backend has exited.
        #expect(try admin.query("SELECT pg_terminate_backend($1::int, 10000) AS ok", [.int(Int64(pid))]).first?.bool("ok") == true)
        let error = try #require(throws: PostgresError.self) { try victim.query("SELECT 1") }
        #expect(!victim.isConnected, "\(error)")
        try victim.reset()
        #expect(victim.isConnected)
        #expect(victim.backendPID != pid)
        #expect(try victim.query("SELECT 2 AS two").first?.int("two") == 2)
    }

    @Test("one connection shared by several threads runs every command")
    func sharedAcrossThreads() throws {
        let db = try freshConnection()
        try db.execute("CREATE TABLE t (thread int, n int, PRIMARY KEY (thread, n))")
        let failures = Collector<String>()
        let group = DispatchGroup()
        for thread in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    for n in 0..<100 {
                        if n.isMultiple(of: 10) {
                            try db.transaction {
                                try db.run("INSERT INTO t VALUES ($1, $2)", [.int(Int64(thread)), .int(Int64(n))])
                            }
                        } else {
                            try db.run("INSERT INTO t VALUES ($1, $2)", [.int(Int64(thread)), .int(Int64(n))])
                        }
                    }
                } catch {
                    failures.append("thread \(thread): \(error)")
                }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        #expect(failures.values.isEmpty, "\(failures.values)")
        #expect(try db.query("SELECT count(*) AS n FROM t").first?.int("n") == 400)
    }
}

/// Runs `body` with file descriptor 2 redirected to a temporary file and returns what was written.
private func captureStandardError(_ body: () throws -> Void) throws -> String {
    let directory = try TemporaryDirectory(prefix: "slipway-stderr")
    let path = directory.child("stderr.txt")
    let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    try #require(file >= 0)
    let saved = dup(2)
    try #require(saved >= 0)
    dup2(file, 2)
    close(file)
    defer {
        dup2(saved, 2)
        close(saved)
    }
    try body()
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}
