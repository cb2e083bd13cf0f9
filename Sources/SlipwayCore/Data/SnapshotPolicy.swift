/// What the shared snapshot must satisfy: the sanitize rules, verify queries and forbidden
/// patterns of every environment that copies from it, gathered from the trusted branch's specs.
///
/// One snapshot serves every environment with `database.from: snapshot` (or `staging`, whose
/// copy comes from the snapshot too), so its rules are the union of theirs, in file order, each
/// rule once. An environment may start on a snapshot only if that snapshot applied every rule and
/// query its spec asks for (`missing(from:)`): a rule added on the branch takes effect at the
/// next snapshot, never silently.
public struct SnapshotPolicy: Sendable, Equatable {
    public var sanitize: [SanitizeRule]
    public var verify: [String]
    /// The `neutralize.forbid` globs of those environments, also looked for in the data.
    public var forbid: [String]
    /// Specs that contributed, by file.
    public var files: [String]
    /// Two specs that give one column different strategies: `table.column` with both files.
    public var conflicts: [String]

    public init(specs: [EnvironmentSpec]) {
        var sanitize: [SanitizeRule] = []
        var verify: [String] = []
        var forbid: [String] = []
        var files: [String] = []
        var conflicts: [String] = []
        var strategies: [String: (ColumnStrategy, String)] = [:]
        for spec in specs.sorted(by: { $0.file < $1.file }) {
            guard let database = spec.database, database.from != .empty else { continue }
            files.append(spec.file)
            for rule in database.sanitize {
                if case .columns(let table, _, let columns) = rule {
                    for column in columns {
                        let id = "\(table).\(column.column)"
                        if let (strategy, file) = strategies[id], strategy != column.strategy {
                            conflicts.append("\(id) is \(strategy) in \(file) but \(column.strategy) in \(spec.file)")
                        } else {
                            strategies[id] = (column.strategy, spec.file)
                        }
                    }
                }
                if !sanitize.contains(rule) { sanitize.append(rule) }
            }
            for query in database.verify where !verify.contains(query) { verify.append(query) }
            for pattern in spec.neutralize?.forbid ?? [] where !forbid.contains(pattern) { forbid.append(pattern) }
        }
        self.sanitize = sanitize
        self.verify = verify
        self.forbid = forbid
        self.files = files
        self.conflicts = conflicts
    }

    /// Whether any environment copies from a snapshot at all.
    public var isEmpty: Bool { files.isEmpty }

    /// The rule lines (`SanitizeRule.summary`) and verify queries of `spec` that a snapshot which
    /// applied `rules` and ran `queries` lacks; empty when the snapshot covers the spec.
    public static func missing(for spec: DatabaseSpec, rules: [String], queries: [String]) -> [String] {
        let applied = Set(rules), ran = Set(queries)
        var missing: [String] = []
        for rule in spec.sanitize {
            for line in rule.summary where !applied.contains(line) { missing.append(line) }
        }
        for query in spec.verify where !ran.contains(query) { missing.append("verify: \(query)") }
        return missing
    }
}
