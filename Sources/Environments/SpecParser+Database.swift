import SlipwayCore
import YAML
import Foundation

/// `database:` — the environment's own PostgreSQL database, and the sanitize and verify rules of
/// the shared snapshot it is copied from.
extension SpecParser {
    static let databaseKeys = ["engine", "from", "sanitize", "verify"]
    static let sanitizeKeys = ["table", "key", "columns", "truncate", "sql"]
    /// At most this many sanitize rules, verify queries, columns per rule; statements at most 64 KiB.
    static let maximumDatabaseRules = 500
    static let maximumStatementBytes = 64 * 1024

    mutating func database(_ node: YAMLNode, kind: EnvironmentKind?) -> DatabaseSpec? {
        guard let map = mapping(node, "database", keys: Self.databaseKeys) else { return nil }
        var result = DatabaseSpec()
        if let engineNode = map["engine"], let text = string(engineNode, "database.engine") {
            if let engine = DatabaseSpec.Engine(rawValue: text) {
                result.engine = engine
            } else {
                error(engineNode, "database.engine must be postgres (got '\(text)')\(suggest(text, DatabaseSpec.Engine.allCases.map(\.rawValue)))")
            }
        }
        if let fromNode = map["from"], let text = string(fromNode, "database.from") {
            if let from = DatabaseSpec.Source(rawValue: text) {
                result.from = from
                if from == .staging, kind != nil, kind != .preview {
                    error(fromNode, "database.from: staging copies the staging environment's database, for previews only; use snapshot or empty")
                }
            } else {
                error(fromNode, "database.from must be snapshot, empty or staging (got '\(text)')\(suggest(text, DatabaseSpec.Source.allCases.map(\.rawValue)))")
            }
        }
        if kind == .production {
            error(node, "production's database is the operator's: Slipway never creates, copies or changes it (remove 'database' here; snapshots are read from the production source in slipway.yaml)")
        }
        if let sanitize = map["sanitize"] {
            result.sanitize = sanitizeRules(sanitize)
        }
        if let verify = map["verify"] {
            let queries = stringList(verify, "database.verify")
            if queries.count > Self.maximumDatabaseRules {
                error(verify, "database.verify has \(queries.count) queries; at most \(Self.maximumDatabaseRules)")
            }
            for (index, query) in queries.enumerated() {
                checkStatement(query, verify.sequence?[index] ?? verify, "database.verify[\(index)]")
            }
            result.verify = queries
        }
        if result.from == .empty, !result.sanitize.isEmpty || !result.verify.isEmpty, let node = map["sanitize"] ?? map["verify"] {
            error(node, "sanitize and verify apply to snapshot data; this database starts empty (from: empty)")
        }
        return result
    }

    mutating func sanitizeRules(_ node: YAMLNode) -> [SanitizeRule] {
        guard let items = node.sequence else {
            error(node, "database.sanitize must be a list of rules (- table: ... / - sql: ...), found a \(node.kindName)")
            return []
        }
        if items.count > Self.maximumDatabaseRules {
            error(node, "database.sanitize has \(items.count) rules; at most \(Self.maximumDatabaseRules)")
            return []
        }
        var rules: [SanitizeRule] = []
        var seen: [String: YAMLMark] = [:]
        for (index, item) in items.enumerated() {
            let what = "database.sanitize[\(index)]"
            guard let map = mapping(item, what, keys: Self.sanitizeKeys) else { continue }
            if let sqlNode = map["sql"] {
                if map.count > 1 { error(item, "\(what): an sql rule has only 'sql'") }
                if let sql = string(sqlNode, "\(what).sql") {
                    checkStatement(sql, sqlNode, "\(what).sql")
                    rules.append(.sql(sql))
                }
                continue
            }
            guard let tableNode = required(map, "table", in: item), let tableText = string(tableNode, "\(what).table") else { continue }
            guard let table = QualifiedName(tableText) else {
                error(tableNode, "\(what).table '\(tableText)' is not a table name (letters, digits, _ and $, optionally schema.table)")
                continue
            }
            if let truncate = map["truncate"] {
                guard truncate.bool == true else {
                    error(truncate, "\(what).truncate must be true (or leave it out)")
                    continue
                }
                if map["columns"] != nil || map["key"] != nil { error(item, "\(what): a truncated table has no 'columns' or 'key'") }
                rules.append(.truncate(table: table))
                continue
            }
            guard let columnsNode = map["columns"] else {
                error(item, "\(what) needs 'columns: { column: strategy }', 'truncate: true', or is an 'sql:' rule")
                continue
            }
            var key: String?
            if let keyNode = map["key"], let text = string(keyNode, "\(what).key") {
                if QualifiedName.isIdentifier(text) { key = text } else { error(keyNode, "\(what).key '\(text)' is not a column name") }
            }
            guard let pairs = columnsNode.mapping, !pairs.isEmpty else {
                error(columnsNode, "\(what).columns must be a mapping of column: strategy (email, phone, name, drop, null, redact, scale(a, b), fixed('text'))")
                continue
            }
            checkDuplicateKeys(pairs)
            var columns: [ColumnRule] = []
            for pair in pairs {
                guard let column = pair.key.string, QualifiedName.isIdentifier(column) else {
                    error(pair.key, "\(what).columns: '\(pair.key.string ?? "?")' is not a column name")
                    continue
                }
                guard let text = string(pair.value, "\(what).columns.\(column)") else { continue }
                guard let strategy = ColumnStrategy(parsing: text) else {
                    error(pair.value, "\(what).columns.\(column): unknown strategy '\(text)' (email, phone, name, drop, null, redact, scale(a, b) with a <= b, fixed('text'))")
                    continue
                }
                let id = "\(table).\(column)"
                if let first = seen[id] {
                    error(pair.key, "\(id) already has a rule (line \(first.line)); one rule per column")
                    continue
                }
                seen[id] = pair.key.mark
                columns.append(ColumnRule(column: column, strategy: strategy))
            }
            if !columns.isEmpty { rules.append(.columns(table: table, key: key, columns: columns)) }
        }
        return rules
    }

    mutating func checkStatement(_ text: String, _ node: YAMLNode, _ what: String) {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            error(node, "\(what) is empty")
        } else if text.utf8.count > Self.maximumStatementBytes {
            error(node, "\(what) is \(text.utf8.count) bytes; at most 64 KiB")
        }
    }
}
