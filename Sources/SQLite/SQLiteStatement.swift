internal import CSQLite

/// One compiled statement for repeated use with different parameters.
///
/// Owns a `sqlite3_stmt` from `sqlite3_prepare_v2`, freed with `sqlite3_finalize` in `deinit`,
/// and keeps its connection alive. Not safe for concurrent use: a statement carries its bindings
/// and cursor, so use it from one thread at a time (each call still takes the connection's lock,
/// so it never runs at the same time as other calls on the connection). Its rows are plain values.
public final class SQLiteStatement {
    /// The connection that compiled the statement (kept alive by the statement, except for the
    /// connection's own cached statements, which the connection owns instead).
    public var connection: SQLiteConnection { connectionRef.takeUnretainedValue() }
    private let connectionRef: Unmanaged<SQLiteConnection>
    /// The strong reference for statements handed out by `prepare`; nil for cached ones.
    private let owner: SQLiteConnection?
    /// The SQL text as given to `prepare`.
    public let sql: String
    /// Result column names (empty for statements that return no rows).
    public let columnNames: [String]
    /// How many parameters the statement expects (`sqlite3_bind_parameter_count`).
    public let parameterCount: Int

    private let handle: OpaquePointer

    init(connection: SQLiteConnection, handle: OpaquePointer, sql: String, cached: Bool = false) {
        self.connectionRef = Unmanaged.passUnretained(connection)
        self.owner = cached ? nil : connection
        self.handle = handle
        self.sql = sql
        let count = sqlite3_column_count(handle)
        columnNames = (0..<count).map { String(cString: sqlite3_column_name(handle, $0)) }
        parameterCount = Int(sqlite3_bind_parameter_count(handle))
    }

    deinit {
        connection.withHandle { _ in _ = sqlite3_finalize(handle) }
    }

    /// Resets the statement and binds `params` to its parameters in order. The number of values
    /// must equal `parameterCount` (SQLite itself would silently bind NULL to missing ones).
    public func bind(_ params: [SQLiteValue]) throws {
        try connection.withHandle { _ in
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            guard params.count == parameterCount else {
                throw SQLiteError(function: "sqlite3_bind", code: SQLITE_RANGE,
                                  message: "statement has \(parameterCount) parameter(s) but \(params.count) value(s) were given",
                                  sql: sql)
            }
            for (offset, value) in params.enumerated() {
                try connection.check(bind(value, at: Int32(offset + 1)), "sqlite3_bind", sql: sql)
            }
        }
    }

    private func bind(_ value: SQLiteValue, at index: Int32) -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(handle, index)
        case .integer(let number):
            return sqlite3_bind_int64(handle, index, number)
        case .real(let number):
            return sqlite3_bind_double(handle, index, number)
        case .text(let text):
            let bytes = Array(text.utf8)
            guard !bytes.isEmpty else { return slipway_sqlite3_bind_text_transient(handle, index, "", 0) }
            return bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    slipway_sqlite3_bind_text_transient(handle, index, $0.baseAddress, Int32($0.count))
                }
            }
        case .blob(let bytes):
            // A NULL pointer would bind SQL NULL, so an empty blob is bound as a zero-length blob.
            guard !bytes.isEmpty else { return sqlite3_bind_zeroblob(handle, index, 0) }
            return bytes.withUnsafeBytes {
                slipway_sqlite3_bind_blob_transient(handle, index, $0.baseAddress, Int32($0.count))
            }
        }
    }

    /// Runs the statement to its next row: the row, or nil when it is done (a following `step`
    /// starts it again from the beginning with the same bindings).
    public func step() throws -> SQLiteRow? {
        try connection.withHandle { _ in
            let rc = sqlite3_step(handle)
            switch rc {
            case SQLITE_ROW:
                return currentRow()
            case SQLITE_DONE:
                return nil
            default:
                let error = connection.makeError(rc, "sqlite3_step", sql: sql)
                sqlite3_reset(handle)
                throw error
            }
        }
    }

    /// Rewinds the statement so it can run again; keeps the bindings.
    public func reset() {
        connection.withHandle { _ in _ = sqlite3_reset(handle) }
    }

    /// Binds `params`, runs the statement to the end and returns its rows.
    public func query(_ params: [SQLiteValue] = []) throws -> [SQLiteRow] {
        try connection.withHandle { _ in
            try bind(params)
            defer { sqlite3_reset(handle) }
            var rows: [SQLiteRow] = []
            while let row = try step() { rows.append(row) }
            return rows
        }
    }

    /// Binds `params`, runs the statement to the end and returns how many rows it changed.
    @discardableResult
    public func run(_ params: [SQLiteValue] = []) throws -> Int {
        try connection.withHandle { db in
            try bind(params)
            defer { sqlite3_reset(handle) }
            while try step() != nil {}
            return Int(sqlite3_changes64(db))
        }
    }

    private func currentRow() -> SQLiteRow {
        let values = (0..<Int32(columnNames.count)).map { column -> SQLiteValue in
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER:
                return .integer(sqlite3_column_int64(handle, column))
            case SQLITE_FLOAT:
                return .real(sqlite3_column_double(handle, column))
            case SQLITE_TEXT:
                // Ask for the pointer first, then the length (the order SQLite documents).
                guard let text = sqlite3_column_text(handle, column) else { return .text("") }
                let length = Int(sqlite3_column_bytes(handle, column))
                return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
            case SQLITE_BLOB:
                guard let bytes = sqlite3_column_blob(handle, column) else { return .blob([]) }
                let length = Int(sqlite3_column_bytes(handle, column))
                return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: length)))
            default:
                return .null
            }
        }
        return SQLiteRow(columns: columnNames, values: values)
    }
}
