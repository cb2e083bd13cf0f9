import Foundation
import Postgres
import SlipwayCore

/// Applies a spec's sanitize rules to a restored snapshot, on a connection of a non-superuser
/// role that owns the restored objects, inside the caller's transaction. Identifiers are always
/// quoted; values (literals of `fixed`, factors, patterns) travel as parameters.
///
/// Fakes are deterministic in the row's key: an integer key is used as is
/// (`user42@example.invalid`), any other key through the first 12 hex digits of its MD5, so a key
/// column holding personal data never shows through.
struct Sanitizer {
    let connection: PostgresConnection
    /// Removed from any error message.
    let secrets: [String]

    struct Column {
        var name: String
        /// `format_type` (`character varying(80)`, `numeric(12,2)`).
        var type: String
        var typeName: String
        var category: String
        var notNull: Bool
    }

    struct Table {
        var oid: String
        var schema: String
        var name: String
        var quoted: String { SQLText.ident(schema: schema, name: name) }
        var display: String { "\(schema).\(name)" }
    }

    func apply(_ rules: [SanitizeRule]) throws(DataError) {
        for (index, rule) in rules.enumerated() {
            let label = "sanitize rule \(index + 1) (\(rule.summary.joined(separator: "; ")))"
            switch rule {
            case .truncate(let name):
                let table = try resolve(name, label: label)
                try SQLText.run("\(label) failed", data: true, secrets: secrets) {
                    try connection.execute("TRUNCATE \(table.quoted) CASCADE")
                }
            case .sql(let statement):
                try SQLText.run("\(label) failed", data: true, secrets: secrets) {
                    try connection.execute(statement)
                }
            case .columns(let name, let key, let columnRules):
                let table = try resolve(name, label: label)
                let (sql, params) = try update(table, key: key, rules: columnRules, label: label)
                _ = try SQLText.run("\(label) failed on \(table.display)", data: true, secrets: secrets) {
                    try connection.run(sql, params)
                }
            }
        }
    }

    /// The table a rule names: schema-qualified, or the one table of that name outside the
    /// system schemas.
    func resolve(_ name: QualifiedName, label: String) throws(DataError) -> Table {
        let rows = try SQLText.run("\(label): looking up table \(name)") {
            try connection.query("""
                SELECT c.oid::text AS oid, n.nspname, c.relname FROM pg_catalog.pg_class c
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relname = $1 AND c.relkind IN ('r', 'p')
                  AND ($2::text IS NULL AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                       AND n.nspname NOT LIKE 'pg\\_%' OR n.nspname = $2::text)
                ORDER BY n.nspname = 'public' DESC, n.nspname
                """, [.text(name.name), PostgresValue(name.schema)])
        }
        guard let first = rows.first else {
            throw DataError("\(label): no table \(name) in the snapshot")
        }
        if rows.count > 1, name.schema == nil, rows[0]["nspname"] != "public" {
            let schemas = rows.compactMap { $0["nspname"] }.joined(separator: ", ")
            throw DataError("\(label): table \(name) exists in several schemas (\(schemas)); qualify it as schema.\(name)")
        }
        return Table(oid: first["oid"]!, schema: first["nspname"]!, name: first["relname"]!)
    }

    func columns(of table: Table, label: String) throws(DataError) -> [String: Column] {
        let rows = try SQLText.run("\(label): reading the columns of \(table.display)") {
            try connection.query("""
                SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                       e.typname, e.typcategory, a.attnotnull
                FROM pg_catalog.pg_attribute a
                JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                JOIN pg_catalog.pg_type e ON e.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
                WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
                """, [.text(table.oid)])
        }
        var columns: [String: Column] = [:]
        for row in rows {
            columns[row["attname"]!] = Column(name: row["attname"]!, type: row["type"]!, typeName: row["typname"]!,
                                              category: row["typcategory"]!, notNull: row.bool("attnotnull") == true)
        }
        return columns
    }

    /// The single-column primary key of `table`, if it has one.
    func primaryKey(of table: Table, label: String) throws(DataError) -> String? {
        let rows = try SQLText.run("\(label): reading the primary key of \(table.display)") {
            try connection.query("""
                SELECT a.attname FROM pg_catalog.pg_index i
                JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = $1::oid AND i.indisprimary AND i.indnatts = 1
                """, [.text(table.oid)])
        }
        return rows.first?["attname"] ?? nil
    }

    func update(_ table: Table, key: String?, rules: [ColumnRule], label: String) throws(DataError) -> (String, [PostgresValue]) {
        let columns = try columns(of: table, label: label)
        var params: [PostgresValue] = []
        func param(_ value: PostgresValue) -> String {
            params.append(value)
            return "$\(params.count)"
        }
        var keyColumn: Column?
        let needsKey = rules.contains {
            switch $0.strategy {
            case .email, .phone, .name, .scale: true
            default: false
            }
        }
        if needsKey {
            let keyName: String
            if let key {
                keyName = key
            } else if let primary = try primaryKey(of: table, label: label) {
                keyName = primary
            } else {
                throw DataError("\(label): \(table.display) has no single-column primary key; name the key column (key: <column>)")
            }
            guard let found = columns[keyName] else {
                throw DataError("\(label): no key column \(keyName) in \(table.display)")
            }
            keyColumn = found
        }
        let keyExpression = keyColumn.map { SQLText.ident($0.name) } ?? "NULL"
        let isIntegerKey = ["int2", "int4", "int8"].contains(keyColumn?.typeName ?? "")
        let keyText = isIntegerKey ? "(\(keyExpression))::text" : "substr(md5((\(keyExpression))::text), 1, 12)"
        let keyNumber = "(('x' || substr(md5((\(keyExpression))::text), 1, 8))::bit(32)::bigint)"

        var assignments: [String] = []
        var seen = Set<String>()
        for rule in rules {
            guard let column = columns[rule.column] else {
                throw DataError("\(label): no column \(rule.column) in \(table.display)")
            }
            guard seen.insert(rule.column).inserted else {
                throw DataError("\(label): column \(rule.column) of \(table.display) has two rules")
            }
            let quoted = SQLText.ident(column.name)
            let isText = column.category == "S"
            let isJSON = column.typeName == "json" || column.typeName == "jsonb"
            let where_ = "\(table.display).\(column.name)"
            func requireText(_ strategy: String) throws(DataError) {
                guard isText else { throw DataError("\(label): \(strategy) needs a text column; \(where_) is \(column.type)") }
            }
            let value: String
            switch rule.strategy {
            case .email:
                try requireText("email")
                value = "'user' || \(keyText) || '@example.invalid'"
            case .phone:
                try requireText("phone")
                value = "'+1-555-01' || lpad((\(keyNumber) % 100)::text, 2, '0')"
            case .name:
                try requireText("name")
                value = "'Person ' || \(keyText)"
            case .null:
                guard !column.notNull else {
                    throw DataError("\(label): null on \(where_), which is NOT NULL; use drop or fixed('...')")
                }
                value = "NULL"
            case .drop:
                if !column.notNull {
                    value = "NULL"
                } else if isText {
                    value = "''"
                } else if isJSON {
                    value = "'{}'"
                } else if column.category == "N" {
                    value = "0"
                } else if column.category == "B" {
                    value = "false"
                } else if column.category == "A" {
                    value = "'{}'"
                } else {
                    throw DataError("\(label): drop on \(where_), which is NOT NULL and of type \(column.type) without an empty value; use fixed('...')")
                }
            case .redact:
                guard isText || isJSON else {
                    throw DataError("\(label): redact needs a text or JSON column; \(where_) is \(column.type)")
                }
                var expression = "\(quoted)::text"
                for step in CredentialPatterns.redactions {
                    expression = "regexp_replace(\(expression), \(param(.text(step.regex)))::text, \(param(.text(isJSON ? step.json : step.text)))::text, 'g')"
                }
                value = expression
            case .scale(let low, let high):
                guard column.category == "N" else {
                    throw DataError("\(label): scale needs a numeric column; \(where_) is \(column.type)")
                }
                let a = param(.text(String(low))), b = param(.text(String(high)))
                value = "(\(quoted))::numeric * (\(a)::numeric + (\(b)::numeric - \(a)::numeric) * (\(keyNumber)::numeric / 4294967295))"
            case .fixed(let text):
                value = param(.text(text))
            }
            assignments.append("\(quoted) = (\(value))::\(column.type)")
        }
        return ("UPDATE \(table.quoted) SET \(assignments.joined(separator: ", "))", params)
    }
}
