internal import CSQLite
internal import Foundation

/// A connection to one SQLite database file (or `":memory:"`).
///
/// Owns a `sqlite3` handle from `sqlite3_open_v2`, freed with `sqlite3_close_v2` in `deinit`
/// (statements made by `prepare` keep their connection alive, so it is closed after the last one).
///
/// Thread safety: one connection may be shared by several threads. It is opened with
/// `SQLITE_OPEN_FULLMUTEX` and, in addition, every public call runs under the connection's own
/// recursive lock, so calls are serialised (never concurrent) and an error message is read before
/// another thread can overwrite it. `transaction` holds the lock for its whole body: other threads
/// wait until it commits or rolls back, so their statements never land in someone else's
/// transaction. The calls block: run them off Swift's cooperative thread pool when they may wait
/// for a busy database.
public final class SQLiteConnection: @unchecked Sendable {
    /// How `transaction` begins an outermost transaction (nested calls always use SAVEPOINTs).
    public enum TransactionKind: String, Sendable {
        /// Takes locks lazily; may fail with `SQLITE_BUSY` when upgrading to a write.
        case deferred = "DEFERRED"
        /// Takes the write lock at BEGIN (waiting up to the busy timeout): the usual choice for writers.
        case immediate = "IMMEDIATE"
        /// Like immediate; in WAL mode the same as immediate.
        case exclusive = "EXCLUSIVE"
    }

    /// `PRAGMA synchronous` levels. In WAL mode `.normal` survives a crash of the process, `.full`
    /// also a crash of the machine (at roughly a fifth of the write rate here).
    public enum Synchronous: String, Sendable {
        case off = "OFF"
        case normal = "NORMAL"
        case full = "FULL"
        case extra = "EXTRA"
    }

    /// The path the connection was opened with.
    public let path: String
    /// Whether the connection was opened with `SQLITE_OPEN_READONLY`.
    public let isReadOnly: Bool

    private let handle: OpaquePointer
    private let lock = NSRecursiveLock()
    /// Depth of nested `transaction` calls; guarded by `lock`.
    private var transactionDepth = 0
    /// Compiled statements of `run` and `query`, by SQL text; guarded by `lock`. Bounded: cleared
    /// when it grows past `statementCacheLimit` (callers use a small fixed set of statements).
    private var statementCache: [String: SQLiteStatement] = [:]
    private let statementCacheLimit = 128
    /// Asked before each transaction and each statement outside one (guarded by `lock`): throws
    /// to refuse the access before SQLite touches the files (see `setAccessCheck`).
    private var accessCheck: (@Sendable () throws -> Void)?

    /// Opens (and, unless `readOnly`, creates) the database at `path`; `":memory:"` opens a private
    /// in-memory database. Sets the busy timeout (how long a statement waits for another
    /// connection's lock before failing with `SQLITE_BUSY`) and turns on foreign key enforcement.
    public init(path: String, readOnly: Bool = false, busyTimeout: Duration = .seconds(5)) throws {
        self.path = path
        self.isReadOnly = readOnly
        var flags = SQLITE_OPEN_FULLMUTEX
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            // "Whether or not an error occurs when it is opened, resources associated with the
            // database connection handle should be released by passing it to sqlite3_close()."
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            let extended = db.map { sqlite3_extended_errcode($0) } ?? rc
            sqlite3_close_v2(db)
            throw SQLiteError(function: "sqlite3_open_v2", code: rc & 0xFF, extendedCode: extended,
                              message: message, sql: nil)
        }
        handle = db
        try setBusyTimeout(busyTimeout)
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit {
        // Cached statements refer to this connection without owning it: finalize them while the
        // connection is still whole.
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: Settings

    /// Sets how long a statement waits for another connection's lock before `SQLITE_BUSY`.
    public func setBusyTimeout(_ timeout: Duration) throws {
        let (seconds, attoseconds) = timeout.components
        let milliseconds = max(0, min(Int64(Int32.max), seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        try withHandle { db in
            try check(sqlite3_busy_timeout(db, Int32(milliseconds)), "sqlite3_busy_timeout", sql: nil)
        }
    }

    /// Switches the database to write-ahead logging (`PRAGMA journal_mode=WAL`, which is stored
    /// in the file) and sets `PRAGMA synchronous` for this connection. Returns the journal mode now
    /// in effect: `"wal"`, or `"memory"` for an in-memory database. Throws when a file database
    /// could not be switched to WAL.
    @discardableResult
    public func configureForDurability(synchronous: Synchronous = .full) throws -> String {
        try withHandle { _ in
            let mode = try query("PRAGMA journal_mode = WAL").first.flatMap { $0.string("journal_mode") } ?? ""
            let inMemory = path.isEmpty || path == ":memory:"
            guard mode == "wal" || inMemory else {
                throw SQLiteError(function: "PRAGMA journal_mode", code: SQLITE_ERROR,
                                  message: "journal mode is \(mode), not wal", sql: "PRAGMA journal_mode = WAL")
            }
            try execute("PRAGMA synchronous = \(synchronous.rawValue)")
            return mode
        }
    }

    /// Sets a check run before each outermost transaction and each statement outside a
    /// transaction; when it throws, the access fails with its error and SQLite is not called.
    /// The store uses it to refuse access to files that would crash the process: SQLite writes
    /// the WAL index through a shared memory map of `-shm`, and a write fault on a mapping the
    /// kernel cannot back (an immutable or truncated file) is a SIGBUS, not an error code.
    public func setAccessCheck(_ check: (@Sendable () throws -> Void)?) {
        lock.lock()
        defer { lock.unlock() }
        accessCheck = check
    }

    /// Runs the access check when outside any transaction. Call with the lock held.
    private func checkAccess() throws {
        guard transactionDepth == 0, let accessCheck else { return }
        try accessCheck()
    }

    // MARK: Running SQL

    /// Runs one or more `;`-separated statements without parameters (`sqlite3_exec`); rows are
    /// discarded. For schema scripts and pragmas.
    public func execute(_ sql: String) throws {
        try withHandle { db in
            var errorMessage: UnsafeMutablePointer<CChar>?
            let rc = sqlite3_exec(db, sql, nil, nil, &errorMessage)
            defer { sqlite3_free(errorMessage) }
            guard rc == SQLITE_OK else {
                let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
                throw SQLiteError(function: "sqlite3_exec", code: rc & 0xFF,
                                  extendedCode: extendedCode(for: rc), message: message, sql: sql)
            }
        }
    }

    /// Runs one parameterless statement compiled once per connection (transaction control: the
    /// group committer opens a savepoint per write, and `sqlite3_exec` would parse it each time).
    /// Called with `lock` held.
    private func executeCached(_ sql: String) throws {
        try cachedStatement(sql).run([])
    }

    /// Runs one statement with `params` bound to its `?`/`?NNN`/`:name` parameters in order and
    /// returns the number of rows it inserted, updated or deleted (`sqlite3_changes64`).
    @discardableResult
    public func run(_ sql: String, _ params: [SQLiteValue] = []) throws -> Int {
        try withHandle { _ in
            try checkAccess()
            return try cachedStatement(sql).run(params)
        }
    }

    /// Runs one statement with `params` bound and returns all its rows.
    public func query(_ sql: String, _ params: [SQLiteValue] = []) throws -> [SQLiteRow] {
        try withHandle { _ in
            try checkAccess()
            return try cachedStatement(sql).query(params)
        }
    }

    /// The compiled statement for `sql`, compiled once per connection. Called with `lock` held.
    private func cachedStatement(_ sql: String) throws -> SQLiteStatement {
        if let statement = statementCache[sql] { return statement }
        let compiled = try prepare(sql, cached: true)
        if statementCache.count >= statementCacheLimit { statementCache.removeAll() }
        statementCache[sql] = compiled
        return compiled
    }

    /// Compiles one statement for repeated use (`sqlite3_prepare_v2`). Text after the first
    /// statement other than whitespace and `;` is refused: use `execute` for scripts.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try prepare(sql, cached: false)
    }

    private func prepare(_ sql: String, cached: Bool) throws -> SQLiteStatement {
        try withHandle { db in
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let rc = sql.withCString { text in
                let rc = sqlite3_prepare_v2(db, text, -1, &statement, &tail)
                if rc == SQLITE_OK, let tail {
                    let rest = String(cString: tail).trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ";")))
                    if !rest.isEmpty {
                        sqlite3_finalize(statement)
                        statement = nil
                        return SQLITE_MISUSE
                    }
                }
                return rc
            }
            if rc == SQLITE_MISUSE && statement == nil {
                throw SQLiteError(function: "sqlite3_prepare_v2", code: SQLITE_MISUSE,
                                  message: "more than one statement; use execute(_:) for scripts", sql: sql)
            }
            try check(rc, "sqlite3_prepare_v2", sql: sql)
            guard let statement else {
                throw SQLiteError(function: "sqlite3_prepare_v2", code: SQLITE_MISUSE,
                                  message: "no SQL statement in the text", sql: sql)
            }
            return SQLiteStatement(connection: self, handle: statement, sql: sql, cached: cached)
        }
    }

    /// The rowid of the most recent successful INSERT on this connection (`sqlite3_last_insert_rowid`).
    /// With several threads sharing the connection, another thread's insert may come in between:
    /// read it inside a `transaction`, or use `INSERT ... RETURNING id` with `query`.
    public var lastInsertRowID: Int64 {
        withHandle { sqlite3_last_insert_rowid($0) }
    }

    /// Rows changed by the most recent INSERT/UPDATE/DELETE on this connection (`sqlite3_changes64`);
    /// the same caveat as `lastInsertRowID` applies (`run` returns the count atomically).
    public var changes: Int {
        withHandle { Int(sqlite3_changes64($0)) }
    }

    /// Whether the connection is outside any explicit transaction (`sqlite3_get_autocommit`).
    public var isAutocommit: Bool {
        withHandle { sqlite3_get_autocommit($0) != 0 }
    }

    // MARK: Transactions

    /// Runs `body` in a transaction and commits when it returns, or rolls back and rethrows when
    /// it throws (or when COMMIT fails). Called inside another transaction (from `body`, or after
    /// a manual `BEGIN`) it uses `SAVEPOINT`/`RELEASE`/`ROLLBACK TO` so only the inner part is
    /// undone. The connection's lock is held for the whole call.
    @discardableResult
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if sqlite3_get_autocommit(handle) != 0 {
            try checkAccess()
            try executeCached("BEGIN \(kind.rawValue)")
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            let value: T
            do {
                value = try body()
                try executeCached("COMMIT")
            } catch {
                if sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
                throw error
            }
            return value
        } else {
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            let name = "slipway_savepoint_\(transactionDepth)"
            try executeCached("SAVEPOINT \(name)")
            let value: T
            do {
                value = try body()
            } catch {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
            try executeCached("RELEASE \(name)")
            return value
        }
    }

    /// Whether a transaction is open on this connection (SQLite can end one on its own, after an
    /// I/O error or a full disk).
    public var isInTransaction: Bool {
        withHandle { sqlite3_get_autocommit($0) == 0 }
    }

    // MARK: Internals shared with SQLiteStatement

    /// Runs `body` with the raw handle while holding the connection's lock.
    func withHandle<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(handle)
    }

    /// Throws a `SQLiteError` for `rc` unless it is `SQLITE_OK`. Call with the lock held.
    func check(_ rc: Int32, _ function: String, sql: String?) throws {
        guard rc != SQLITE_OK else { return }
        throw makeError(rc, function, sql: sql)
    }

    /// The error for `rc`, with `sqlite3_errmsg` read now. Call with the lock held.
    func makeError(_ rc: Int32, _ function: String, sql: String?) -> SQLiteError {
        SQLiteError(function: function, code: rc & 0xFF, extendedCode: extendedCode(for: rc),
                    message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// The connection's extended code when it refines `rc`, else `rc` itself.
    private func extendedCode(for rc: Int32) -> Int32 {
        let extended = sqlite3_extended_errcode(handle)
        return extended & 0xFF == rc & 0xFF ? extended : rc
    }
}
