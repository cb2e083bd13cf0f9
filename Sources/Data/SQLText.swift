import Foundation
import Postgres

/// Quoting and message hygiene for the SQL the data engine builds.
enum SQLText {
    /// `name` as a quoted identifier (`quote_ident` semantics, always quoted).
    static func ident(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `schema.name`, both quoted.
    static func ident(schema: String, name: String) -> String {
        ident(schema) + "." + ident(name)
    }

    /// `text` as a string literal (`quote_literal` semantics; standard_conforming_strings on).
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `message` with every secret replaced by `********` (longest first).
    static func scrub(_ message: String, secrets: [String]) -> String {
        secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }.reduce(message) {
            $0.replacingOccurrences(of: $1, with: "********")
        }
    }

    /// `message` with the text between each pair of double quotes replaced by `…`: a server
    /// message about data (`invalid input syntax for type integer: "..."`) quotes the value.
    static func withoutQuoted(_ message: String) -> String {
        var out = "", inQuote = false
        for character in message {
            if character == "\"" {
                out.append(character)
                if !inQuote { out += "…" }
                inQuote.toggle()
            } else if !inQuote {
                out.append(character)
            }
        }
        return out
    }

    /// A server error about data, safe to show: SQLSTATE and the primary message with quoted
    /// parts removed (never DETAIL, which can quote rows).
    static func dataError(_ error: any Error, secrets: [String]) -> String {
        guard let error = error as? PostgresError else { return scrub("\(error)", secrets: secrets) }
        var text = withoutQuoted(error.message)
        if let state = error.sqlState { text += " (SQLSTATE \(state))" }
        return scrub(text, secrets: secrets)
    }

    /// Runs `body`, turning any error into a `DataError` starting with `what`; the server's
    /// message is kept whole when `data` is false (admin statements), reduced by `dataError`
    /// otherwise.
    static func run<T>(_ what: String, data: Bool = false, secrets: [String] = [], _ body: () throws -> T) throws(DataError) -> T {
        do {
            return try body()
        } catch let error as DataError {
            throw error
        } catch {
            let message = data ? dataError(error, secrets: secrets) : scrub("\(error)", secrets: secrets)
            throw DataError("\(what): \(message)")
        }
    }
}
