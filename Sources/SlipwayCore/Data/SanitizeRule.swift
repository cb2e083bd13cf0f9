import Foundation

/// One step of a snapshot's sanitization (`database.sanitize[]` in a spec).
public enum SanitizeRule: Sendable, Equatable, Hashable {
    /// Rewrites columns of `table`, row by row. `key` names the column the fake values derive
    /// from (default: the table's single-column primary key), so the same customer gets the same
    /// fake email wherever a rule keys on the customer's id.
    case columns(table: QualifiedName, key: String?, columns: [ColumnRule])
    /// Empties `table` (`TRUNCATE ... CASCADE`).
    case truncate(table: QualifiedName)
    /// Runs a statement on the snapshot as the snapshot's owner role (never as the admin).
    case sql(String)

    /// A stable one-line description (`res_partner.email: email`), used in records and messages.
    public var summary: [String] {
        switch self {
        case .columns(let table, let key, let columns):
            return columns.map { "\(table).\($0.column): \($0.strategy)" + (key.map { " (key \($0))" } ?? "") }
        case .truncate(let table):
            return ["\(table): truncate"]
        case .sql(let statement):
            return ["sql: \(statement)"]
        }
    }
}

/// One column and what becomes of it.
public struct ColumnRule: Sendable, Equatable, Hashable {
    public var column: String
    public var strategy: ColumnStrategy

    public init(column: String, strategy: ColumnStrategy) {
        self.column = column
        self.strategy = strategy
    }
}

/// What a sanitized column holds. Every fake is deterministic in the row's key.
public enum ColumnStrategy: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// `user<key>@example.invalid`.
    case email
    /// A fictional number derived from the key (`+1-555-01xx-xxxx` style, never a real line).
    case phone
    /// `Person <key>`.
    case name
    /// NULL where the column allows it, otherwise the empty value of its type.
    case drop
    /// NULL (refused at sanitize time on a NOT NULL column).
    case null
    /// Free text or JSON: every email address, phone-like number, card-like number and
    /// credential shape inside the value is replaced, the rest kept.
    case redact
    /// Numbers: multiplied by a factor in `[low, high]` derived from the key.
    case scale(low: Double, high: Double)
    /// The same literal in every row.
    case fixed(String)

    public var description: String {
        switch self {
        case .email: "email"
        case .phone: "phone"
        case .name: "name"
        case .drop: "drop"
        case .null: "null"
        case .redact: "redact"
        case .scale(let low, let high): "scale(\(Self.format(low)), \(Self.format(high)))"
        case .fixed(let value): "fixed(\(value.debugDescription))"
        }
    }

    /// Parses `email`, `scale(0.8, 1.2)`, `fixed('x')`; nil for anything else.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed {
        case "email": self = .email
        case "phone": self = .phone
        case "name": self = .name
        case "drop": self = .drop
        case "null": self = .null
        case "redact": self = .redact
        default:
            guard let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")") else { return nil }
            let head = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            let inner = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            switch head {
            case "scale":
                let parts = inner.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let low = Double(parts[0]), let high = Double(parts[1]),
                      low.isFinite, high.isFinite, low <= high
                else { return nil }
                self = .scale(low: low, high: high)
            case "fixed":
                let value = inner.trimmingCharacters(in: .whitespaces)
                guard value.count >= 2, let quote = value.first, quote == "'" || quote == "\"", value.last == quote else { return nil }
                self = .fixed(String(value.dropFirst().dropLast()))
            default:
                return nil
            }
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(format: "%.1f", value) : "\(value)"
    }
}

/// A table name, optionally schema-qualified (`res_partner`, `accounting.move_line`). Each part
/// is a plain SQL identifier (letters, digits, `_`, `$`; not starting with a digit; at most 63
/// bytes), so it can always be quoted safely.
public struct QualifiedName: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var schema: String?
    public var name: String

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 1 || parts.count == 2, parts.allSatisfy(Self.isIdentifier) else { return nil }
        schema = parts.count == 2 ? parts[0] : nil
        name = parts.last!
    }

    public var description: String { schema.map { "\($0).\(name)" } ?? name }

    /// Whether `text` is a plain identifier Slipway accepts in rules.
    public static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.utf8.count <= 63 else { return false }
        func isLetter(_ s: Unicode.Scalar) -> Bool { (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_" }
        guard isLetter(first) else { return false }
        return text.unicodeScalars.allSatisfy { isLetter($0) || ($0 >= "0" && $0 <= "9") || $0 == "$" }
    }
}
