/// Shell-style patterns for branch names and forbidden values: `*` matches any run of characters
/// (including `/`), `?` one character; everything else is literal.
public struct Glob: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let parts: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        parts = Array(pattern)
    }

    public var description: String { pattern }
    public var isLiteral: Bool { !pattern.contains("*") && !pattern.contains("?") }

    public func matches(_ text: String) -> Bool {
        let s = Array(text)
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < s.count {
            if p < parts.count, parts[p] == "?" || parts[p] == s[t] {
                p += 1
                t += 1
            } else if p < parts.count, parts[p] == "*" {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < parts.count, parts[p] == "*" { p += 1 }
        return p == parts.count
    }

    /// True when some string could match both patterns (used to find two specs matching the
    /// same branch). Exact when either is a literal; with wildcards on both sides, true unless
    /// their literal prefixes or suffixes rule it out (`release/*` and `hotfix/*` never overlap).
    public func overlaps(_ other: Glob) -> Bool {
        if isLiteral { return other.matches(pattern) }
        if other.isLiteral { return matches(other.pattern) }
        let (a, b) = (literalPrefix, other.literalPrefix)
        guard a.hasPrefix(b) || b.hasPrefix(a) else { return false }
        let (x, y) = (literalSuffix, other.literalSuffix)
        return x.hasSuffix(y) || y.hasSuffix(x)
    }

    private var literalPrefix: String { String(pattern.prefix { $0 != "*" && $0 != "?" }) }
    private var literalSuffix: String { String(pattern.reversed().prefix { $0 != "*" && $0 != "?" }.reversed()) }
}
