internal import CPQ
internal import Foundation

/// A libpq connection string taken apart (`PQconninfoParse`) and put back together, so callers
/// can change one keyword (the database, the user) or hand the parts without the password to a
/// child process (`pg_dump`) while the password travels another way.
///
/// A plain value: safe to share between threads.
public struct ConnectionParameters: Sendable, Equatable {
    /// Keyword -> value for every keyword the string sets (URL or key=value form).
    public var values: [String: String]

    /// Parses `conninfo`; the error never contains the string or its password.
    public init(_ conninfo: String) throws {
        let secrets = try ConnectionString.secrets(in: conninfo)
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(errorMessage)
            throw PostgresError(function: "PQconninfoParse",
                                message: "invalid connection string: " + ConnectionString.scrub(ConnectionString.scrubQuoted(message), secrets: secrets))
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        self.values = values
    }

    public init(values: [String: String]) {
        self.values = values
    }

    public subscript(keyword: String) -> String? {
        get { values[keyword] }
        set { values[keyword] = newValue }
    }

    /// The key=value form (`host='/tmp' port='5432' ...`), every value quoted and escaped,
    /// keywords sorted so the text is stable. Includes the password when one is set.
    public var conninfo: String {
        values.keys.sorted().map { key in
            let value = values[key]!.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(key)='\(value)'"
        }.joined(separator: " ")
    }

    /// The same parameters without `password` (and `passfile`).
    public var withoutPassword: ConnectionParameters {
        var copy = self
        copy.values["password"] = nil
        copy.values["passfile"] = nil
        return copy
    }

    /// `text` with every occurrence of the password replaced by `********`.
    public func scrub(_ text: String) -> String {
        ConnectionString.scrub(text, secrets: values["password"].map { [$0] } ?? [])
    }
}
