/// A query parameter. Every value travels as a text-format parameter; non-text cases are sent with
/// their type's OID (int8, float8, bool, bytea) so the server parses them the same way each time.
/// `.text` is sent with no type, letting the server infer it from context (text, jsonb, timestamptz...).
///
/// A plain value: safe to share between threads.
public enum PostgresValue: Sendable, Equatable, Hashable {
    case null
    /// Text; must not contain NUL characters (PostgreSQL text cannot hold them: use `.bytea`).
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    /// Raw bytes; may contain NUL bytes. Sent in bytea's `\x` hex format.
    case bytea([UInt8])
}

extension PostgresValue {
    /// `.text(value)`, or `.null` when `value` is nil.
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    /// `.int(Int64(value))`.
    public init(_ value: Int) { self = .int(Int64(value)) }

    /// The parameter's text form (nil for NULL).
    var textValue: String? {
        switch self {
        case .null: nil
        case .text(let text): text
        case .int(let number): String(number)
        case .double(let number):
            if number.isNaN { "NaN" } else if number == .infinity { "Infinity" } else if number == -.infinity { "-Infinity" }
            else { String(number) }  // Swift prints the shortest text that reads back as the same Double.
        case .bool(let flag): flag ? "t" : "f"
        case .bytea(let bytes): "\\x" + PostgresValue.hex(bytes)
        }
    }

    /// The type OID sent with the parameter; 0 lets the server infer it.
    var typeOID: UInt32 {
        switch self {
        case .null, .text: 0
        case .int: 20       // int8
        case .double: 701   // float8
        case .bool: 16      // bool
        case .bytea: 17     // bytea
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension PostgresValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension PostgresValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension PostgresValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension PostgresValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension PostgresValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
