/// The `neutralize.forbid` check: a value is forbidden when the whole value, or any word in it,
/// matches one of the patterns. Words are split at white space, quotes, `=`, `,`, `;` and `:`
/// so `--key=sk_live_abc` and `"sk_live_abc"` are caught as well as `sk_live_abc`.
public struct ForbiddenPatterns: Sendable, Equatable {
    public let patterns: [Glob]

    public init(_ patterns: [String]) {
        self.patterns = patterns.map(Glob.init)
    }

    /// The first pattern `value` matches, if any.
    public func match(_ value: String) -> Glob? {
        if let whole = patterns.first(where: { $0.matches(value) }) { return whole }
        let separators: Set<Character> = [" ", "\t", "\n", "\r", "\"", "'", "=", ",", ";", ":", "(", ")", "[", "]", "{", "}"]
        for word in value.split(whereSeparator: { separators.contains($0) }) {
            if let pattern = patterns.first(where: { $0.matches(String(word)) }) { return pattern }
        }
        return nil
    }
}
