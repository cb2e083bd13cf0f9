internal import CSQLite

/// A failed SQLite call: which function failed, SQLite's result codes, its own message (read with
/// `sqlite3_errmsg` right after the failure, under the connection's lock) and the SQL involved.
///
/// A plain value: safe to share between threads. Bound parameter values are never included.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C function (or wrapper operation) that failed, e.g. `sqlite3_step`.
    public let function: String
    /// The primary result code (`SQLITE_CONSTRAINT` is 19, `SQLITE_BUSY` 5, ...).
    public let code: Int32
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE` is 2067, ...); equals `code` when
    /// SQLite has no more detail.
    public let extendedCode: Int32
    /// SQLite's message, e.g. `UNIQUE constraint failed: users.email`.
    public let message: String
    /// The statement being prepared or run, when there was one.
    public let sql: String?

    public init(function: String, code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.function = function
        self.code = code
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    /// Any constraint failed: UNIQUE, PRIMARY KEY, NOT NULL, CHECK, FOREIGN KEY.
    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }

    /// A UNIQUE or PRIMARY KEY constraint failed.
    public var isUniqueViolation: Bool {
        extendedCode == SQLiteError.constraintUnique || extendedCode == SQLiteError.constraintPrimaryKey
    }

    /// The database was locked by another connection for longer than the busy timeout
    /// (`SQLITE_BUSY`), or a table was locked within a shared cache (`SQLITE_LOCKED`).
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    /// The name SQLite gives the code, e.g. `constraint failed`.
    public var codeName: String { String(cString: sqlite3_errstr(extendedCode)) }

    public var description: String {
        var text = "\(function) failed with SQLite code \(code)"
        if extendedCode != code { text += "/\(extendedCode)" }
        text += " (\(codeName)): \(message)"
        if let sql { text += " [sql: \(sql)]" }
        return text
    }

    // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY are computed macros
    // (SQLITE_CONSTRAINT | (n<<8)) that Swift does not import.
    static let constraintUnique: Int32 = SQLITE_CONSTRAINT | (8 << 8)
    static let constraintPrimaryKey: Int32 = SQLITE_CONSTRAINT | (6 << 8)
}
