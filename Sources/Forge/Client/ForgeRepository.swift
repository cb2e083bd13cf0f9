import Foundation

/// A repository on the forge, `OWNER/NAME` (e.g. `octo-org/shop`). A plain value: safe to share.
public struct ForgeRepository: Sendable, Hashable, CustomStringConvertible {
    public let owner: String
    public let name: String

    /// Fails unless both parts are non-empty and made of letters, digits, `-`, `_` and `.`
    /// (what GitHub allows in owner and repository names).
    public init?(owner: String, name: String) {
        guard Self.isValidPart(owner), Self.isValidPart(name), name != ".", name != ".." else { return nil }
        self.owner = owner
        self.name = name
    }

    /// Parses `OWNER/NAME` as given to `--forge-repo`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        self.init(owner: String(parts[0]), name: String(parts[1]))
    }

    /// The repository a github.com remote URL points at, or nil when it is not a github.com URL:
    /// `https://github.com/o/r(.git)`, `http://…`, `https://user@github.com/o/r`,
    /// `ssh://git@github.com(:22)/o/r.git`, `git@github.com:o/r.git` and `git://github.com/o/r`.
    /// `host` may name a GitHub Enterprise host instead.
    public init?(remoteURL: String, host: String = "github.com") {
        var text = remoteURL.trimmingCharacters(in: .whitespacesAndNewlines)
        var path: Substring
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            guard ["https", "http", "ssh", "git", "git+ssh"].contains(scheme) else { return nil }
            let rest = text[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            if let colon = authority.firstIndex(of: ":") { authority = authority[..<colon] }
            guard authority.lowercased() == host.lowercased() else { return nil }
            path = rest[authorityEnd...]
        } else {
            // scp-like syntax: [user@]host:owner/name.git
            guard let colon = text.firstIndex(of: ":") else { return nil }
            var hostPart = text[..<colon]
            if let at = hostPart.lastIndex(of: "@") { hostPart = hostPart[hostPart.index(after: at)...] }
            guard hostPart.lowercased() == host.lowercased() else { return nil }
            path = text[text.index(after: colon)...]
        }
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<query] }
        text = String(path).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if text.hasSuffix(".git") { text.removeLast(4) }
        self.init(text)
    }

    public var description: String { "\(owner)/\(name)" }

    private static func isValidPart(_ part: String) -> Bool {
        !part.isEmpty && part.count <= 100 && part.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }
}
