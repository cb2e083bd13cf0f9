import Foundation
import Postgres
import SQLite

/// A parameter value both backends understand.
enum SQLValue: Sendable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
    static func optional(_ number: Int?) -> SQLValue { number.map { .int(Int64($0)) } ?? .null }
    static func bool(_ flag: Bool) -> SQLValue { .int(flag ? 1 : 0) }
}

/// A result row from either backend, read by column name.
protocol SQLRow {
    func string(_ name: String) -> String?
    func int64(_ name: String) -> Int64?
    func double(_ name: String) -> Double?
    func bytes(_ name: String) -> [UInt8]?
}

extension SQLRow {
    func int(_ name: String) -> Int? { int64(name).map(Int.init) }
    func flag(_ name: String) -> Bool { (int64(name) ?? 0) != 0 }
    func date(_ name: String) -> Date? { double(name).map(Date.init(timeIntervalSince1970:)) }
}

extension SQLiteRow: SQLRow {
    func bytes(_ name: String) -> [UInt8]? { blob(name) }
}

extension PostgresRow: SQLRow {}

/// Runs SQL written once for both backends: `?` placeholders (rewritten to `$n` for
/// PostgreSQL) and the portable subset of SQL both accept.
protocol SQLExecutor {
    func rows(_ sql: String, _ params: [SQLValue]) throws -> [any SQLRow]
    @discardableResult
    func change(_ sql: String, _ params: [SQLValue]) throws -> Int
}

struct SQLiteExecutor: SQLExecutor {
    let db: SQLiteConnection

    func rows(_ sql: String, _ params: [SQLValue]) throws -> [any SQLRow] {
        try db.query(sql, params.map(Self.value))
    }

    func change(_ sql: String, _ params: [SQLValue]) throws -> Int {
        try db.run(sql, params.map(Self.value))
    }

    static func value(_ value: SQLValue) -> SQLiteValue {
        switch value {
        case .null: .null
        case .int(let number): .integer(number)
        case .double(let number): .real(number)
        case .text(let text): .text(text)
        case .blob(let bytes): .blob(bytes)
        }
    }
}

struct PostgresExecutor: SQLExecutor {
    let db: PostgresConnection

    func rows(_ sql: String, _ params: [SQLValue]) throws -> [any SQLRow] {
        try db.query(Self.numbered(sql), params.map(Self.value))
    }

    func change(_ sql: String, _ params: [SQLValue]) throws -> Int {
        try db.run(Self.numbered(sql), params.map(Self.value))
    }

    static func value(_ value: SQLValue) -> PostgresValue {
        switch value {
        case .null: .null
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .text(let text): .text(text)
        case .blob(let bytes): .bytea(bytes)
        }
    }

    /// `?` → `$1`, `$2`, ... outside string literals.
    static func numbered(_ sql: String) -> String {
        var out = ""
        var count = 0
        var inString = false
        for character in sql {
            if character == "'" { inString.toggle() }
            if character == "?" && !inString {
                count += 1
                out += "$\(count)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}
