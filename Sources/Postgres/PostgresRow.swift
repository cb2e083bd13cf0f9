/// One result row in text format: the column names and each column's text (nil for NULL).
///
/// A plain value: safe to share between threads.
public struct PostgresRow: Sendable, Equatable {
    /// Column names as the server reports them (`AS` aliases win).
    public let columns: [String]
    /// Text values in column order; nil for SQL NULL.
    public let values: [String?]

    public init(columns: [String], values: [String?]) {
        precondition(columns.count == values.count, "PostgresRow needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The text at `index` (0-based); nil for NULL. Traps when out of range, like an array.
    public subscript(index: Int) -> String? { values[index] }

    /// The text of the first column called `name`; nil for NULL. Asking for a column the query
    /// does not return is a programming error and traps with the list of columns.
    public subscript(name: String) -> String? {
        guard let index = columns.firstIndex(of: name) else {
            preconditionFailure("no column \"\(name)\" in row with columns \(columns)")
        }
        return values[index]
    }

    /// Whether the row has a column called `name`.
    public func hasColumn(_ name: String) -> Bool { columns.contains(name) }

    /// True when the column is NULL.
    public func isNull(_ name: String) -> Bool { self[name] == nil }

    /// The column's text (same as the subscript).
    public func string(_ name: String) -> String? { self[name] }

    /// An integer column; nil for NULL or text that is not an integer.
    public func int64(_ name: String) -> Int64? { self[name].flatMap { Int64($0) } }

    /// An integer column as `Int`; nil for NULL or text that is not an integer.
    public func int(_ name: String) -> Int? { self[name].flatMap { Int($0) } }

    /// A boolean column (`t`/`f`); nil for NULL or any other text.
    public func bool(_ name: String) -> Bool? {
        switch self[name] {
        case "t": true
        case "f": false
        default: nil
        }
    }

    /// A float/numeric column, including `NaN`, `Infinity` and `-Infinity`; nil for NULL or non-numbers.
    public func double(_ name: String) -> Double? {
        switch self[name] {
        case nil: nil
        case "NaN": .nan
        case "Infinity": .infinity
        case "-Infinity": -.infinity
        case let text?: Double(text)
        }
    }

    /// A bytea column decoded from its `\x` hex text form; nil for NULL or text that is not `\x` hex.
    public func bytes(_ name: String) -> [UInt8]? {
        guard let text = self[name] else { return nil }
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
