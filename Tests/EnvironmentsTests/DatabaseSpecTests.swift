import Environments
import Foundation
import SlipwayCore
import Testing

/// `database:` in a spec, the mail and cron neutralization keys, and the shared snapshot's policy.
@Suite("Environment spec: database and neutralization")
struct DatabaseSpecTests {
    static let staging = """
    kind: staging
    name: staging
    match: { branch: main }
    deploy: { run: "sh serve.sh" }
    neutralize:
      mail: catch-all
      mail_env: [ODOO_SMTP_URL]
      crons: off
      crons_env: { CRON_ENABLED: "0" }
      crons_sql: ["UPDATE ir_cron SET active = false"]
      forbid: ["sk_live_*"]
    database:
      engine: postgres
      from: snapshot
      sanitize:
        - table: res_partner
          columns: { email: email, phone: phone, name: name, street: drop }
        - table: account_move_line
          key: partner_id
          columns: { amount: "scale(0.8, 1.2)", note: redact, label: "fixed('x')" }
        - table: mail_mail
          truncate: true
        - sql: "UPDATE ir_cron SET active = false"
      verify:
        - "SELECT 1 FROM res_partner WHERE email NOT LIKE '%@example.invalid'"
    """

    @Test("the issue's example parses into the database spec, in order")
    func example() throws {
        let (spec, problems) = SpecParser.parse(Self.staging, file: "environments/staging.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let database = try #require(spec?.database)
        #expect(database.engine == .postgres)
        #expect(database.from == .snapshot)
        #expect(database.sanitize.count == 4)
        #expect(database.sanitize[0] == .columns(table: QualifiedName("res_partner")!, key: nil, columns: [
            ColumnRule(column: "email", strategy: .email), ColumnRule(column: "phone", strategy: .phone),
            ColumnRule(column: "name", strategy: .name), ColumnRule(column: "street", strategy: .drop),
        ]))
        #expect(database.sanitize[1] == .columns(table: QualifiedName("account_move_line")!, key: "partner_id", columns: [
            ColumnRule(column: "amount", strategy: .scale(low: 0.8, high: 1.2)), ColumnRule(column: "note", strategy: .redact),
            ColumnRule(column: "label", strategy: .fixed("x")),
        ]))
        #expect(database.sanitize[2] == .truncate(table: QualifiedName("mail_mail")!))
        #expect(database.sanitize[3] == .sql("UPDATE ir_cron SET active = false"))
        #expect(database.verify.count == 1)
        let neutralize = try #require(spec?.neutralize)
        #expect(neutralize.mailVariables == ["ODOO_SMTP_URL"])
        #expect(neutralize.cronVariables == [EnvironmentSpec.EnvVar(name: "CRON_ENABLED", value: "0")])
        #expect(neutralize.cronSQL == ["UPDATE ir_cron SET active = false"])
        #expect(database.sanitize[0].summary == ["res_partner.email: email", "res_partner.phone: phone", "res_partner.name: name", "res_partner.street: drop"])
    }

    @Test("bad database sections name the place and the fix", arguments: [
        ("database: { from: production }", "database.from must be snapshot, empty or staging"),
        ("database: { engine: mysql }", "database.engine must be postgres"),
        ("database: { from: staging }", "for previews only"),
        ("database:\n  sanitize:\n    - table: \"x; DROP TABLE y\"\n      columns: { a: email }", "is not a table name"),
        ("database:\n  sanitize:\n    - table: t\n      columns: { a: shuffle }", "unknown strategy 'shuffle'"),
        ("database:\n  sanitize:\n    - table: t\n      columns: { a: \"scale(2, 1)\" }", "unknown strategy"),
        ("database:\n  sanitize:\n    - table: t\n      columns: { \"a b\": email }", "is not a column name"),
        ("database:\n  sanitize:\n    - table: t\n      truncate: false", "truncate must be true"),
        ("database:\n  sanitize:\n    - table: t", "needs 'columns"),
        ("database:\n  sanitize:\n    - table: t\n      columns: { a: email }\n    - table: t\n      columns: { a: phone }", "already has a rule"),
        ("database:\n  sanitize:\n    - sql: \"\"", "is empty"),
        ("database:\n  from: empty\n  verify: [\"SELECT 1\"]", "this database starts empty"),
        ("database: { from: snapshot }\nenv: { DATABASE_URL: postgres://x }", "set by Slipway from the 'database' section"),
        ("database: { fromm: snapshot }", "did you mean 'from'"),
    ])
    func refused(extra: String, expected: String) {
        let text = """
        kind: staging
        name: staging
        match: { branch: main }
        deploy: { run: "sh serve.sh" }
        neutralize: { mail: catch-all, crons: off }
        \(extra)
        """
        let problems = SpecParser.parse(text, file: "environments/staging.yaml").diagnostics
        #expect(problems.contains { $0.message.contains(expected) }, "\(problems.map(\.description))")
    }

    @Test("production's database is never Slipway's to create or copy")
    func productionRefused() {
        let text = """
        kind: production
        name: production
        match: { branch: production }
        deploy: { run: "sh serve.sh" }
        promotion: { from: staging, approvers: [alice] }
        database: { from: snapshot }
        """
        let problems = SpecParser.parse(text, file: "environments/production.yaml").diagnostics
        #expect(problems.contains { $0.message.contains("production's database is the operator's") }, "\(problems)")
    }

    @Test("crons_sql needs a database to run on")
    func cronSQLNeedsDatabase() {
        let text = """
        kind: staging
        name: staging
        match: { branch: main }
        deploy: { run: "sh serve.sh" }
        neutralize: { mail: off, crons: off, crons_sql: ["UPDATE ir_cron SET active = false"] }
        """
        let problems = SpecParser.parse(text, file: "environments/staging.yaml").diagnostics
        #expect(problems.contains { $0.message.contains("has no 'database' section") }, "\(problems)")
    }

    @Test("the snapshot's policy is the union of the specs' rules; a conflict between specs is refused")
    func policy() throws {
        let preview = """
        kind: preview
        name: "pr-{{pr.number}}"
        match: { pull_request: { base: main } }
        deploy: { run: "sh serve.sh" }
        neutralize: { mail: off, crons: off, forbid: ["rk_live_*"] }
        database:
          from: snapshot
          sanitize:
            - table: res_partner
              columns: { email: email }
            - table: audit_log
              truncate: true
          verify: ["SELECT 1 FROM audit_log"]
        """
        let (set, problems) = SpecSet.load(files: [("environments/preview.yaml", preview), ("environments/staging.yaml", Self.staging)])
        #expect(problems.isEmpty, "\(problems)")
        let policy = SnapshotPolicy(specs: set.specs)
        #expect(policy.files == ["environments/preview.yaml", "environments/staging.yaml"])
        #expect(policy.conflicts.isEmpty)
        #expect(policy.sanitize.count == 6)  // res_partner(email) from preview, truncate, then staging's four
        #expect(policy.verify.count == 2)
        #expect(policy.forbid == ["rk_live_*", "sk_live_*"])
        // A snapshot made with every rule covers both specs; one made before a rule was added does not.
        let applied = policy.sanitize.flatMap(\.summary)
        for spec in set.specs {
            #expect(SnapshotPolicy.missing(for: spec.database!, rules: applied, queries: policy.verify).isEmpty)
        }
        let older = applied.filter { $0 != "audit_log: truncate" }
        #expect(SnapshotPolicy.missing(for: set.specs[0].database!, rules: older, queries: policy.verify) == ["audit_log: truncate"])

        let conflicting = preview.replacingOccurrences(of: "{ email: email }", with: "{ email: drop }")
        let (_, refused) = SpecSet.load(files: [("environments/preview.yaml", conflicting), ("environments/staging.yaml", Self.staging)])
        #expect(refused.contains { $0.message.contains("res_partner.email is drop") }, "\(refused)")
    }
}
