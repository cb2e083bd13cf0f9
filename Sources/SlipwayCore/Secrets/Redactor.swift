/// Replaces every known secret value with `***` in text that leaves the process (logs, evidence,
/// comments, error messages). Values shorter than 4 characters are not redacted: they would mangle
/// ordinary text and cannot be meaningful secrets.
///
/// `learned` (when attached) adds secrets known only later, shared by every copy of this redactor.
public struct Redactor: Sendable, Equatable {
    public static let mask = "***"
    public private(set) var secrets: [String]
    /// Secrets learned at run time (installation tokens), shared by reference between copies.
    public var learned: LearnedSecrets?

    public init(secrets: [String] = []) {
        self.secrets = []
        for secret in secrets { add(secret) }
    }

    /// Adds a secret (longest first, so a secret containing another is masked whole).
    public mutating func add(_ secret: String) {
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        for value in Set([secret, trimmed]) where value.count >= 4 && !secrets.contains(value) {
            secrets.append(value)
        }
        secrets.sort { $0.count > $1.count }
    }

    public func redact(_ text: String) -> String {
        let late = learned?.secrets ?? []
        guard !secrets.isEmpty || !late.isEmpty else { return text }
        var result = text
        let all = late.isEmpty ? secrets : (secrets + late).sorted { $0.count > $1.count }
        for secret in all where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        return result
    }

    public static func == (lhs: Redactor, rhs: Redactor) -> Bool {
        lhs.secrets == rhs.secrets && lhs.learned === rhs.learned
    }
}

extension Redactor {
    /// `scheme://user:password@host/...` becomes `scheme://user:***@host/...`, and a userinfo with
    /// no password (a token given as the user, `https://TOKEN@github.com`) becomes `***`: URLs in
    /// messages never carry credentials.
    public static func maskingURLCredentials(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let hostEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<hostEnd].lastIndex(of: "@") else { return text }
        var result = text
        if let colon = rest[..<at].firstIndex(of: ":") {
            result.replaceSubrange(rest.index(after: colon)..<at, with: mask)
        } else {
            result.replaceSubrange(scheme.upperBound..<at, with: mask)
        }
        return result
    }
}
