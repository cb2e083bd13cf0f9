import Data
import Foundation
import SlipwayCore

/// `slipway-bench data --admin CONNINFO --production CONNINFO --work DIR`: against a server the
/// caller prepared (scripts/bench/data.sh seeds it), times a snapshot (dump, restore, sanitize,
/// verify, scan) and a preview database copied from it, and prints the figures.
enum DataBenchmark {
    static func run(admin: String, production: String, work: String) throws {
        let server = DataServer(admin: admin, production: production, workDirectory: work)
        let table = { (name: String) in QualifiedName(name)! }
        let rules = SnapshotRules(
            sanitize: [
                .columns(table: table("customers"), key: nil, columns: [
                    ColumnRule(column: "email", strategy: .email), ColumnRule(column: "phone", strategy: .phone),
                    ColumnRule(column: "name", strategy: .name), ColumnRule(column: "notes", strategy: .redact),
                ]),
                .columns(table: table("orders"), key: nil, columns: [ColumnRule(column: "amount", strategy: .scale(low: 0.8, high: 1.2))]),
            ],
            verify: ["SELECT 1 FROM customers WHERE email NOT LIKE '%@example.invalid'"],
            productionSecrets: ["bench-grant-value-0001"])
        let engine = SnapshotEngine(server: server) { print("  \($0)") }
        let record = try engine.create(rules: rules, keep: 1)
        func seconds(_ key: String) -> String { String(format: "%.2f s", record.durations[key] ?? 0) }
        print("snapshot \(record.name): \(record.sizeBytes / 1_048_576) MiB")
        for step in ["dump", "restore", "sanitize", "vacuum", "verify", "scan", "total"] { print("  \(step): \(seconds(step))") }
        let databases = EnvironmentDatabases(server: server)
        try? databases.drop("bench-preview")
        let start = Date()
        _ = try databases.create("bench-preview", from: .snapshot(record.name), password: "bench-preview-pw")
        let preview = Date().timeIntervalSince(start)
        print(String(format: "preview database from the template: %.2f s", preview))
        try databases.drop("bench-preview")
        print("PREVIEW_SECONDS=\(preview)")
        print("SNAPSHOT_NAME=\(record.name)")
    }
}
