import Data
import Foundation
import Postgres
import Testing
import TestSupport

/// The scan tests a `strpos` before each regex (a regex costs far more); these cases sit right
/// at the edge of each shortcut, so a shortcut that skips too much fails here.
extension SnapshotEngineTests {
    @Test("the scan's literal shortcuts miss nothing: emails beside or running past the fake domain, credentials, forbid globs; fakes pass")
    func scanShortcutsMissNothing() async throws {
        let cluster = try PostgresCluster.current()
        try await blocking {
            let fixture = try DataFixture.make(cluster)
            let databases = EnvironmentDatabases(server: fixture.server)
            try? databases.drop("scan-edges")
            _ = try databases.create("scan-edges", from: .empty, password: "pw-scan")
            let email = "email address"
            let cases: [(value: String, rule: String?)] = [
                ("user12@example.invalid", nil),
                ("redacted@example.invalid; user3@example.invalid, [redacted phone]", nil),
                ("x@example.invalid.com", email),                      // the fake domain runs on
                ("x@example.invalidcorp.io", email),
                ("redacted@example.invalid and bob@corp.io", email),   // a real one after a fake
                ("bob@corp.io", email),
                ("a@@example.invalid", nil),
                ("mail: ALICE@EXAMPLE.INVALID.ORG", email),
                ("token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123", "GitHub token (ghp_/gho_/ghs_/ghu_/ghr_)"),
                ("through ghost_ gh_", nil),
                ("key=AKIAIOSFODNN7EXAMPLE;", "AWS access key id (AKIA)"),
                ("-----BEGIN EC PRIVATE KEY-----", "private key block"),
                ("internal-xtoken-42", "forbid pattern internal-?token-*"),
                ("internal-token", nil),
            ]
            var statements: [String] = []
            for (index, item) in cases.enumerated() {
                statements.append("CREATE TABLE c\(index) (id int PRIMARY KEY, v text)")
                statements.append("INSERT INTO c\(index) VALUES (1, '\(item.value.replacingOccurrences(of: "'", with: "''"))')")
            }
            try databases.run("scan-edges", statements: statements, password: "pw-scan")
            let rules = SnapshotRules(sanitize: [], verify: [], productionSecrets: [], forbid: ["internal-?token-*"])
            let scan = try databases.scan("scan-edges", rules: rules)
            for (index, item) in cases.enumerated() {
                let found = scan.findings.filter { $0.table == "public.c\(index)" }.map(\.rule)
                #expect(found == (item.rule.map { [$0] } ?? []), "case \(index) \(item.value.debugDescription): \(found)")
            }
            try databases.drop("scan-edges")
        }
    }
}
