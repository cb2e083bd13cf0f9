/// One SQLite value, as bound to a parameter or read from a column (SQLite's five storage classes).
///
/// A plain value: safe to share between threads.
public enum SQLiteValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    /// UTF-8 text.
    case text(String)
    /// Raw bytes; may contain NUL bytes.
    case blob([UInt8])
}

extension SQLiteValue {
    /// An integer value from a platform `Int`.
    public init(_ value: Int) { self = .integer(Int64(value)) }
    /// `1` or `0`, the way SQLite stores booleans.
    public init(_ value: Bool) { self = .integer(value ? 1 : 0) }
    /// `.text(value)`, or `.null` when `value` is nil.
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
}

extension SQLiteValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension SQLiteValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension SQLiteValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLiteValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLiteValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self.init(value) }
}

extension SQLiteValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .text(let value): String(reflecting: value)
        case .blob(let bytes): "x'\(bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined())'"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
