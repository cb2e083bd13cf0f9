/// One result row: the statement's column names and this row's values, in column order.
///
/// A plain value: safe to share between threads.
public struct SQLiteRow: Sendable, Equatable {
    /// Column names as SQLite reports them (`AS` aliases win).
    public let columns: [String]
    /// Values in the same order as `columns`.
    public let values: [SQLiteValue]

    public init(columns: [String], values: [SQLiteValue]) {
        precondition(columns.count == values.count, "SQLiteRow needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The number of columns.
    public var count: Int { values.count }

    /// The value at `index` (0-based). Traps when out of range, like an array.
    public subscript(index: Int) -> SQLiteValue { values[index] }

    /// The value of the first column called `name`. Asking for a column the query does not
    /// return is a programming error and traps with the list of columns.
    public subscript(name: String) -> SQLiteValue {
        guard let index = columns.firstIndex(of: name) else {
            preconditionFailure("no column \"\(name)\" in row with columns \(columns)")
        }
        return values[index]
    }

    /// Whether the row has a column called `name`.
    public func hasColumn(_ name: String) -> Bool { columns.contains(name) }

    /// True when the column holds NULL.
    public func isNull(_ name: String) -> Bool { self[name] == .null }

    /// The text of a TEXT column; nil for NULL and other storage classes.
    public func string(_ name: String) -> String? {
        if case .text(let value) = self[name] { return value }
        return nil
    }

    /// An INTEGER column as `Int64`; nil for NULL and other storage classes.
    public func int64(_ name: String) -> Int64? {
        if case .integer(let value) = self[name] { return value }
        return nil
    }

    /// An INTEGER column as `Int`; nil for NULL and other storage classes.
    public func int(_ name: String) -> Int? {
        int64(name).flatMap { Int(exactly: $0) }
    }

    /// A REAL column, or an INTEGER column widened to `Double`; nil for NULL, text and blobs.
    public func double(_ name: String) -> Double? {
        switch self[name] {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// The bytes of a BLOB column; nil for NULL and other storage classes.
    public func blob(_ name: String) -> [UInt8]? {
        if case .blob(let bytes) = self[name] { return bytes }
        return nil
    }

    /// An INTEGER column read as a boolean (0 is false, anything else true); nil otherwise.
    public func bool(_ name: String) -> Bool? {
        int64(name).map { $0 != 0 }
    }
}
