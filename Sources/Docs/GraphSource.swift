/// Where a fact of the knowledge graph comes from, as `graph.json` writes it: `file:line` for a
/// fact declared in a repository file (1-based line of the key or manifest entry), or
/// `observed:<what>` for a fact read from the bot's store (`observed:store environments`).
public enum GraphSource {
    public static let observedPrefix = "observed:"

    public static func line(_ file: String, _ line: Int) -> String { "\(file):\(max(line, 1))" }

    public static func observed(_ what: String) -> String { observedPrefix + what }

    /// `docker-compose.yml:12` → (`docker-compose.yml`, 12); `observed:store environments` → nil.
    public static func fileLine(_ source: String) -> (file: String, line: Int)? {
        guard !source.hasPrefix(observedPrefix), let colon = source.lastIndex(of: ":"),
              let line = Int(source[source.index(after: colon)...]), line > 0 else { return nil }
        return (String(source[..<colon]), line)
    }

    /// Unique, by file then line number (so `f:9` comes before `f:10`), observed ones last.
    static func sorted(_ sources: some Sequence<String>) -> [String] {
        Set(sources).sorted { lhs, rhs in
            switch (fileLine(lhs), fileLine(rhs)) {
            case let (left?, right?): (left.file, left.line) < (right.file, right.line)
            case (_?, nil): true
            case (nil, _?): false
            case (nil, nil): lhs < rhs
            }
        }
    }

    /// The 1-based line of `index` in `text`.
    static func lineNumber(in text: String, at index: String.Index) -> Int {
        text[..<index].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }

    /// The 1-based number of the first line at or after `fromLine` that contains `needle`, else nil.
    static func firstLine(in text: String, containing needle: String, from fromLine: Int = 1) -> Int? {
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where offset + 1 >= fromLine && line.contains(needle) {
            return offset + 1
        }
        return nil
    }
}
