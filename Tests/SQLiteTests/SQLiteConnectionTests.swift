import Foundation
import SQLite
import Testing
import TestSupport

@Suite("SQLite connection")
struct SQLiteConnectionTests {
    @Test("every value type round-trips, including NULL, unicode text and blobs with NUL bytes")
    func valueRoundTrip() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
        let blob: [UInt8] = [0, 1, 0, 255, 0, 0x7F, 0]
        let text = "naïve 日本語 🚢 \"quoted\" 'single'"
        let changed = try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                                 [.integer(Int64.min), .real(-1.5e-300), .text(text), .blob(blob), .null])
        #expect(changed == 1)
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(Int64.max), 3.25, "", .blob([]), nil])

        let rows = try db.query("SELECT i, r, s, b, n FROM t ORDER BY rowid")
        try #require(rows.count == 2)
        #expect(rows[0].columns == ["i", "r", "s", "b", "n"])
        #expect(rows[0].values == [.integer(Int64.min), .real(-1.5e-300), .text(text), .blob(blob), .null])
        #expect(rows[0].int64("i") == Int64.min)
        #expect(rows[0].double("r") == -1.5e-300)
        #expect(rows[0].string("s") == text)
        #expect(rows[0].blob("b") == blob)
        #expect(rows[0].isNull("n"))
        #expect(rows[0][4] == .null)
        #expect(rows[1]["i"] == .integer(Int64.max))
        #expect(rows[1].string("s") == "", "empty text stays text, not NULL")
        #expect(rows[1].blob("b") == [], "empty blob stays a blob, not NULL")
        #expect(rows[1].int("s") == nil, "typed helpers do not coerce text to numbers")

        let types = try db.query("SELECT typeof(s) AS ts, typeof(b) AS tb, length(b) AS lb FROM t ORDER BY rowid")
        #expect(types[0].string("ts") == "text")
        #expect(types[0].string("tb") == "blob")
        #expect(types[0].int("lb") == blob.count, "SQLite stored all bytes, NULs included")
        #expect(types[1].string("tb") == "blob")
    }

    @Test("a prepared statement is reused with different parameters")
    func preparedStatementReuse() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
        let insert = try db.prepare("INSERT INTO kv (k, v) VALUES (?1, ?2)")
        #expect(insert.parameterCount == 2)
        for index in 0..<10 {
            #expect(try insert.run([.text("key\(index)"), .integer(Int64(index * index))]) == 1)
        }
        #expect(db.lastInsertRowID == 10)

        let select = try db.prepare("SELECT v FROM kv WHERE k = ?")
        #expect(select.columnNames == ["v"])
        #expect(try select.query(["key3"]).first?.int("v") == 9)
        #expect(try select.query(["key7"]).first?.int("v") == 49)
        #expect(try select.query(["missing"]).isEmpty)

        // Manual bind/step/reset.
        try select.bind(["key4"])
        let row = try select.step()
        #expect(row?.int("v") == 16)
        #expect(try select.step() == nil)
        select.reset()
        #expect(try select.step()?.int("v") == 16, "reset keeps the bindings")
    }

    @Test("a parameter count mismatch is an error naming both counts")
    func parameterCountMismatch() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (a, b)")
        let error = try #require(throws: SQLiteError.self) {
            try db.run("INSERT INTO t VALUES (?, ?)", [1])
        }
        #expect(error.code == 25, "SQLITE_RANGE")
        #expect(error.message.contains("2 parameter"))
        #expect(error.message.contains("1 value"))
        #expect(error.sql == "INSERT INTO t VALUES (?, ?)")
        #expect(try db.query("SELECT count(*) AS n FROM t").first?.int("n") == 0)
        #expect(throws: SQLiteError.self) { try db.query("SELECT ?", []) }
    }

    @Test("a UNIQUE violation is a typed constraint error with SQLite's message")
    func uniqueViolation() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)")
        try db.run("INSERT INTO users (email) VALUES (?)", ["a@example.com"])
        let error = try #require(throws: SQLiteError.self) {
            try db.run("INSERT INTO users (email) VALUES (?)", ["a@example.com"])
        }
        #expect(error.function == "sqlite3_step")
        #expect(error.code == 19, "SQLITE_CONSTRAINT")
        #expect(error.extendedCode == 2067, "SQLITE_CONSTRAINT_UNIQUE")
        #expect(error.isConstraintViolation)
        #expect(error.isUniqueViolation)
        #expect(!error.isBusy)
        #expect(error.message == "UNIQUE constraint failed: users.email")
        #expect(error.description.contains("UNIQUE constraint failed: users.email"))
        #expect(!error.description.contains("a@example.com"), "bound values are not part of the error")

        let notNull = try #require(throws: SQLiteError.self) {
            try db.run("INSERT INTO users (email) VALUES (NULL)")
        }
        #expect(notNull.isConstraintViolation)
        #expect(!notNull.isUniqueViolation)
    }

    @Test("a syntax error reports SQLite's message and the SQL")
    func syntaxError() throws {
        let db = try SQLiteConnection(path: ":memory:")
        let error = try #require(throws: SQLiteError.self) { try db.query("SELEC 1") }
        #expect(error.function == "sqlite3_prepare_v2")
        #expect(error.code == 1, "SQLITE_ERROR")
        #expect(error.message.contains("syntax error"))
        #expect(error.message.contains("SELEC"))
        #expect(error.sql == "SELEC 1")

        let execError = try #require(throws: SQLiteError.self) { try db.execute("CREATE TABLE ok (a); CREATE TABLE (") }
        #expect(execError.function == "sqlite3_exec")
        #expect(execError.message.contains("syntax error"))

        let twoStatements = try #require(throws: SQLiteError.self) { try db.query("SELECT 1; SELECT 2") }
        #expect(twoStatements.message.contains("more than one statement"))
    }

    @Test("opening a missing file read-only fails with SQLite's message")
    func failedOpen() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-sqlite")
        let error = try #require(throws: SQLiteError.self) {
            try SQLiteConnection(path: dir.child("missing/nothing.db"), readOnly: true)
        }
        #expect(error.function == "sqlite3_open_v2")
        #expect(error.code == 14, "SQLITE_CANTOPEN")
        #expect(error.message.contains("unable to open"))
    }

    @Test("a read-only connection refuses writes")
    func readOnly() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-sqlite")
        let path = dir.child("ro.db")
        try SQLiteConnection(path: path).execute("CREATE TABLE t (a); INSERT INTO t VALUES (1)")
        let reader = try SQLiteConnection(path: path, readOnly: true)
        #expect(try reader.query("SELECT a FROM t").first?.int("a") == 1)
        let error = try #require(throws: SQLiteError.self) { try reader.run("INSERT INTO t VALUES (2)") }
        #expect(error.code == 8, "SQLITE_READONLY")
    }
}
