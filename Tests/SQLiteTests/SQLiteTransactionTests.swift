import Foundation
import SQLite
import Testing
import TestSupport

private struct Abort: Error {}

@Suite("SQLite transactions")
struct SQLiteTransactionTests {
    private func count(_ db: SQLiteConnection) throws -> Int {
        try #require(try db.query("SELECT count(*) AS n FROM t").first?.int("n"))
    }

    @Test("a transaction commits when its body returns")
    func commits() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (a INTEGER)")
        let result = try db.transaction {
            try db.run("INSERT INTO t VALUES (1)")
            try db.run("INSERT INTO t VALUES (2)")
            #expect(!db.isAutocommit)
            return "done"
        }
        #expect(result == "done")
        #expect(db.isAutocommit)
        #expect(try count(db) == 2)
    }

    @Test("a transaction rolls back and rethrows when its body throws")
    func rollsBack() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (a INTEGER)")
        #expect(throws: Abort.self) {
            try db.transaction(.deferred) {
                try db.run("INSERT INTO t VALUES (1)")
                throw Abort()
            }
        }
        #expect(db.isAutocommit)
        #expect(try count(db) == 0)
    }

    @Test("a nested transaction that throws rolls back only to its savepoint")
    func nestedSavepointRollback() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (a INTEGER)")
        try db.transaction {
            try db.run("INSERT INTO t VALUES (1)")
            do {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (2)")
                    try db.transaction { try db.run("INSERT INTO t VALUES (3)") }
                    throw Abort()
                }
                Issue.record("the inner transaction should have thrown")
            } catch is Abort {}
            try db.transaction { try db.run("INSERT INTO t VALUES (4)") }
        }
        let values = try db.query("SELECT a FROM t ORDER BY a").compactMap { $0.int("a") }
        #expect(values == [1, 4])

        // An outer failure undoes committed inner savepoints too.
        #expect(throws: Abort.self) {
            try db.transaction {
                try db.transaction { try db.run("INSERT INTO t VALUES (5)") }
                throw Abort()
            }
        }
        #expect(try count(db) == 2)
    }

    @Test("a WAL database keeps its data after closing and reopening")
    func walPersistence() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-sqlite")
        let path = dir.child("state.db")
        do {
            let db = try SQLiteConnection(path: path)
            #expect(try db.configureForDurability(synchronous: .full) == "wal")
            #expect(try db.query("PRAGMA synchronous").first?.int("synchronous") == 2, "FULL")
            try db.execute("CREATE TABLE t (a TEXT)")
            try db.transaction { try db.run("INSERT INTO t VALUES (?)", ["kept"]) }
            #expect(FileManager.default.fileExists(atPath: path + "-wal"), "writes go to the WAL file")
        }
        let reopened = try SQLiteConnection(path: path)
        #expect(try reopened.query("PRAGMA journal_mode").first?.string("journal_mode") == "wal",
                "WAL mode is stored in the file")
        #expect(try reopened.query("SELECT a FROM t").map { $0["a"] } == [.text("kept")])
        try reopened.configureForDurability(synchronous: .normal)
        #expect(try reopened.query("PRAGMA synchronous").first?.int("synchronous") == 1, "NORMAL")
    }

    @Test("one connection shared by 8 threads inserts every row exactly once")
    func concurrentUse() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-sqlite")
        let db = try SQLiteConnection(path: dir.child("shared.db"))
        try db.configureForDurability(synchronous: .normal)
        try db.execute("CREATE TABLE t (thread INTEGER NOT NULL, n INTEGER NOT NULL, UNIQUE (thread, n))")
        let threads = 8, rowsPerThread = 500
        let failures = FailureLog()
        let group = DispatchGroup()
        for thread in 0..<threads {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    if thread.isMultiple(of: 2) {
                        let insert = try db.prepare("INSERT INTO t (thread, n) VALUES (?, ?)")
                        for n in 0..<rowsPerThread { try insert.run([.integer(Int64(thread)), .integer(Int64(n))]) }
                    } else {
                        // Batches in transactions: other threads must never land inside them.
                        for batch in stride(from: 0, to: rowsPerThread, by: 50) {
                            try db.transaction {
                                for n in batch..<(batch + 50) {
                                    try db.run("INSERT INTO t (thread, n) VALUES (?, ?)", [.integer(Int64(thread)), .integer(Int64(n))])
                                }
                                let inBatch = try db.query("SELECT count(*) AS c FROM t WHERE thread = ? AND n >= ?",
                                                           [.integer(Int64(thread)), .integer(Int64(batch))])
                                guard inBatch.first?.int("c") == 50 else { throw Abort() }
                            }
                        }
                    }
                } catch {
                    failures.append("thread \(thread): \(error)")
                }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 120) == .success, "threads finished")
        #expect(failures.messages.isEmpty, "\(failures.messages)")
        #expect(try count(db) == threads * rowsPerThread)
        let perThread = try db.query("SELECT thread, count(*) AS c FROM t GROUP BY thread ORDER BY thread")
        #expect(perThread.map { $0.int("c") } == Array(repeating: rowsPerThread, count: threads))
    }

    @Test("a second connection waits for the busy timeout, then fails with a busy error or succeeds once the lock is free")
    func busyTimeoutAcrossConnections() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-sqlite")
        let path = dir.child("busy.db")
        let writer = try SQLiteConnection(path: path)
        try writer.configureForDurability(synchronous: .normal)
        try writer.execute("CREATE TABLE t (a TEXT)")
        let impatient = try SQLiteConnection(path: path, busyTimeout: .milliseconds(200))
        let patient = try SQLiteConnection(path: path, busyTimeout: .seconds(30))

        try writer.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES ('writer')")
        let started = ContinuousClock.now
        let error = try #require(throws: SQLiteError.self) {
            try impatient.run("INSERT INTO t VALUES ('impatient')")
        }
        let waited = ContinuousClock.now - started
        #expect(error.isBusy)
        #expect(error.code == 5, "SQLITE_BUSY")
        #expect(waited >= .milliseconds(150), "the busy timeout was honoured (waited \(waited))")

        // The patient connection starts waiting on another thread; the writer then commits.
        let patientStarted = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let failures = FailureLog()
        Thread {
            patientStarted.signal()
            do { try patient.run("INSERT INTO t VALUES ('patient')") } catch { failures.append("\(error)") }
            finished.signal()
        }.start()
        patientStarted.wait()
        try writer.execute("COMMIT")
        #expect(finished.wait(timeout: .now() + 30) == .success)
        #expect(failures.messages.isEmpty, "\(failures.messages)")
        let values = try writer.query("SELECT a FROM t ORDER BY rowid").compactMap { $0.string("a") }
        #expect(values == ["writer", "patient"])
    }
}

/// Collects failures reported from worker threads.
final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ message: String) { lock.withLock { stored.append(message) } }
    var messages: [String] { lock.withLock { stored } }
}
