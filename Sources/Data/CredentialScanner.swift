import Foundation
import Postgres

/// The credential scan of one database: every text-like column (text, varchar, char, name,
/// citext and other string types, json, jsonb, xml, bytea as escaped text, arrays and domains of
/// these) of every ordinary table and materialized view outside the system schemas, one query per
/// table with all columns and rules OR-ed, looking for:
/// - live credential shapes (`CredentialPatterns.credentials`);
/// - each production grant value (`strpos`, as a parameter; values shorter than 4 characters
///   are not searched for);
/// - each forbid glob;
/// - with `personalData`: email addresses outside `example.invalid` and card numbers (13-19
///   digits) that pass the Luhn check.
/// Findings name table, column and rule, never a value. Runs as the admin (sees every row:
/// superusers bypass row security).
///
/// Cost: PostgreSQL's regex engine scans every value in full and has no literal prefilter, and
/// one alternation of all patterns was slower than the patterns one by one. So each regex is
/// tested only when a literal every match contains is there (`strpos`), and the email rule only
/// when the value has an `@` that is not the start of a fake's `@example.invalid` (or a fake
/// domain runs on, `@example.invalid.com`). Measured on 300,000 sanitized rows of 4 text
/// columns: 20.3 s before, see docs/data-engine-notes.md for after.
struct CredentialScanner {
    static let findingLimit = 50
    /// The domain of every fake email (`CredentialPatterns.email` skips it).
    static let fakeEmailDomain = "example.invalid"
    /// Rows examined per table once it matched (enough to tell which columns and rules hit).
    static let matchedRowLimit = 1000

    struct Rule {
        enum Kind { case regex(String, literal: String?), contains(String), card, email }
        var name: String
        var kind: Kind
    }

    let rules: [Rule]

    init(_ rules: SnapshotRules) {
        var list = CredentialPatterns.credentials.map { Rule(name: $0.name, kind: .regex($0.regex, literal: $0.literal)) }
        for secret in Set(rules.productionSecrets) where secret.count >= 4 {
            list.append(Rule(name: "production grant value", kind: .contains(secret)))
        }
        for glob in rules.forbid where !glob.isEmpty {
            list.append(Rule(name: "forbid pattern \(glob)", kind: .regex(CredentialPatterns.regex(forGlob: glob), literal: CredentialPatterns.literal(forGlob: glob))))
        }
        if rules.personalData {
            list.append(Rule(name: CredentialPatterns.email.name, kind: .email))
            list.append(Rule(name: "card number (Luhn)", kind: .card))
        }
        self.rules = list
    }

    struct Column {
        var schema: String
        var table: String
        var column: String
        /// The column as text (`col::text`, `encode(col, 'escape')`).
        var expression: String
    }

    func scan(_ connection: PostgresConnection, secrets: [String]) throws(DataError) -> ScanResult {
        let columns: [Column] = try SQLText.run("listing the columns to scan") {
            try connection.query(Self.columnsQuery).map { row in
                let name = row["attname"]!
                let quoted = SQLText.ident(name)
                let expression = row["kind"] == "bytea" ? "encode(\(quoted), 'escape')" : "\(quoted)::text"
                return Column(schema: row["nspname"]!, table: row["relname"]!, column: name, expression: expression)
            }
        }
        try SQLText.run("creating the scan's Luhn check") { try connection.execute(Self.luhnFunction) }
        var findings: [ScanFinding] = []
        var seen = Set<ScanFinding>()
        let tables = Dictionary(grouping: columns) { "\($0.schema)\u{0}\($0.table)" }
        for key in tables.keys.sorted() {
            guard findings.count < Self.findingLimit else { break }
            let tableColumns = tables[key]!
            let tableName = "\(tableColumns[0].schema).\(tableColumns[0].table)"
            let (sql, params) = query(for: tableColumns)
            let rows = try SQLText.run("scanning \(tableName)", data: true, secrets: secrets) {
                try connection.query(sql, params)
            }
            for row in rows {
                for pair in Self.pairs(row[0] ?? "") {
                    let finding = ScanFinding(table: tableName, column: tableColumns[pair.column].column, rule: rules[pair.rule].name)
                    if findings.count < Self.findingLimit, seen.insert(finding).inserted { findings.append(finding) }
                }
            }
        }
        return ScanResult(passed: findings.isEmpty, columnsScanned: columns.count, findings: findings)
    }

    /// `SELECT array_remove(ARRAY[CASE WHEN <col i matches rule j> THEN 'i:j' END, ...], NULL)::text
    ///  FROM t WHERE <any column matches any rule> LIMIT n`.
    func query(for columns: [Column]) -> (String, [PostgresValue]) {
        var params: [PostgresValue] = []
        func param(_ value: String) -> String {
            params.append(.text(value))
            return "$\(params.count)::text"
        }
        // Per rule: its parameter, and for regexes the literal that must be there first.
        var ruleParams: [String] = []
        var literals: [String?] = []
        for rule in rules {
            switch rule.kind {
            case .regex(let regex, let literal):
                ruleParams.append(param(regex))
                literals.append(literal.map(param))
            case .contains(let value):
                ruleParams.append(param(value))
                literals.append(nil)
            case .card:
                ruleParams.append(param(CredentialPatterns.cardLike))
                literals.append(nil)
            case .email:
                ruleParams.append(param(CredentialPatterns.email.regex))
                literals.append(nil)
            }
        }
        let fakeDomain = SQLText.literal("@" + Self.fakeEmailDomain)
        let fakeDomainRunsOn = SQLText.literal("@" + Self.fakeEmailDomain.replacingOccurrences(of: ".", with: "\\.") + "[A-Za-z0-9.-]")
        func test(_ expression: String, _ index: Int) -> String {
            switch rules[index].kind {
            case .regex:
                literals[index].map { "(strpos(\(expression), \($0)) > 0 AND \(expression) ~ \(ruleParams[index]))" }
                    ?? "\(expression) ~ \(ruleParams[index])"
            case .contains: "strpos(\(expression), \(ruleParams[index])) > 0"
            case .card: "(\(expression) ~ \(ruleParams[index]) AND pg_temp.slipway_has_card(\(expression)))"
            case .email:
                // A match needs an `@` that does not start `@example.invalid`, or one whose domain
                // runs on past it: both are cheap to rule out, and then the regex decides.
                "(strpos(\(expression), '@') > 0 AND (strpos(replace(\(expression), \(fakeDomain), ''), '@') > 0 OR \(expression) ~ \(fakeDomainRunsOn))"
                    + " AND \(expression) ~ \(ruleParams[index]))"
            }
        }
        var conditions: [String] = []
        var cases: [String] = []
        for (columnIndex, column) in columns.enumerated() {
            for ruleIndex in rules.indices {
                conditions.append(test(column.expression, ruleIndex))
                cases.append("CASE WHEN \(test(column.expression, ruleIndex)) THEN '\(columnIndex):\(ruleIndex)' END")
            }
        }
        let table = SQLText.ident(schema: columns[0].schema, name: columns[0].table)
        let sql = "SELECT array_to_string(array_remove(ARRAY[\(cases.joined(separator: ", "))]::text[], NULL), ',') FROM \(table)"
            + " WHERE \(conditions.joined(separator: " OR ")) LIMIT \(Self.matchedRowLimit)"
        return (sql, params)
    }

    static func pairs(_ text: String) -> [(column: Int, rule: Int)] {
        text.split(separator: ",").compactMap { pair in
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let column = Int(parts[0]), let rule = Int(parts[1]) else { return nil }
            return (column, rule)
        }
    }

    static let columnsQuery = """
        SELECT n.nspname, c.relname, a.attname,
               CASE WHEN e.typname = 'bytea' THEN 'bytea' ELSE 'text' END AS kind
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        JOIN pg_catalog.pg_type e ON e.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
        LEFT JOIN pg_catalog.pg_type el ON el.oid = e.typelem AND e.typcategory = 'A'
        WHERE c.relkind IN ('r', 'm')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
          AND (e.typcategory = 'S' OR e.typname IN ('json', 'jsonb', 'xml', 'bytea')
               OR el.typcategory = 'S' OR el.typname IN ('json', 'jsonb', 'xml'))
        ORDER BY n.nspname, c.relname, a.attnum
        """

    /// Whether a text holds a 13-19 digit run (spaces or dashes allowed) passing the Luhn check.
    static let luhnFunction = """
        CREATE OR REPLACE FUNCTION pg_temp.slipway_has_card(v text) RETURNS boolean
        LANGUAGE sql IMMUTABLE STRICT AS $f$
          SELECT EXISTS (
            SELECT 1 FROM regexp_matches(v, '[0-9](?:[ -]?[0-9]){12,18}', 'g') AS m(g)
            WHERE (SELECT sum(CASE WHEN s.i % 2 = 0 THEN (s.c::int * 2) / 10 + (s.c::int * 2) % 10 ELSE s.c::int END)
                   FROM unnest(string_to_array(reverse(regexp_replace(m.g[1], '[^0-9]', '', 'g')), NULL))
                        WITH ORDINALITY AS s(c, i)) % 10 = 0)
        $f$
        """
}
