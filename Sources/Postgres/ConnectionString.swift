internal import CPQ
internal import Foundation

/// Finds passwords in a connection string so they can be scrubbed from libpq's messages.
enum ConnectionString {
    static let redacted = "********"

    /// The password(s) in `conninfo`: libpq's parsed `password` value plus the raw (possibly
    /// percent-encoded) text of a URL's `user:password@` part and `password=` query parameter.
    /// Throws a scrubbed error when libpq cannot parse the string.
    static func secrets(in conninfo: String) throws -> [String] {
        var secrets = rawURLPasswords(in: conninfo)
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(errorMessage)
            // libpq quotes the offending text (often the whole URL) in its parse errors.
            let scrubbed = scrub(scrubQuoted(message.trimmingCharacters(in: .whitespacesAndNewlines)), secrets: secrets)
            throw PostgresError(function: "PQconninfoParse", message: "invalid connection string: \(scrubbed)")
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val {
                secrets.append(String(cString: value))
            }
            option += 1
        }
        return secrets.filter { !$0.isEmpty }
    }

    /// `message` with every occurrence of each secret replaced.
    static func scrub(_ message: String, secrets: [String]) -> String {
        secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }.reduce(message) {
            $0.replacingOccurrences(of: $1, with: redacted)
        }
    }

    /// `message` with the text between each pair of double quotes replaced.
    static func scrubQuoted(_ message: String) -> String {
        var out = "", inQuote = false
        for character in message {
            if character == "\"" {
                out.append(character)
                if !inQuote { out += redacted }
                inQuote.toggle()
            } else if !inQuote {
                out.append(character)
            }
        }
        return out
    }

    private static func rawURLPasswords(in conninfo: String) -> [String] {
        guard let schemeEnd = conninfo.range(of: "://") else { return [] }
        var found: [String] = []
        let afterScheme = conninfo[schemeEnd.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                found.append(String(userinfo[userinfo.index(after: colon)...]))
            }
        }
        if let query = conninfo.firstIndex(of: "?") {
            for pair in conninfo[conninfo.index(after: query)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == "password" { found.append(String(parts[1])) }
            }
        }
        return found.filter { !$0.isEmpty }
    }
}
