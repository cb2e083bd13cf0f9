import Data
import Foundation
import SlipwayCore

/// `slipway-bench data --admin CONNINFO --production CONNINFO --work DIR`: against a server the
/// caller prepared (scripts/bench/data.sh seeds it), times a snapshot (dump, restore, sanitize,
/// verify, scan), a preview database copied from the template, a spare made ahead and a preview
/// that takes it (a rename), and prints the figures.
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
        // By template copy: no spare pool.
        let plain = EnvironmentDatabases(server: server)
        try? plain.drop("bench-preview")
        var start = Date()
        _ = try plain.create("bench-preview", from: .snapshot(record.name), password: "bench-preview-pw")
        let copied = Date().timeIntervalSince(start)
        print(String(format: "preview database by template copy (no spare): %.2f s", copied))
        try plain.drop("bench-preview")

        // From a spare: the copy is made ahead (what the pool's background thread does after a
        // snapshot passes or a spare is taken), then the preview is a rename.
        let pool = try SparePool(server: server, perSnapshot: 1) { print("  \($0)") }
        start = Date()
        let made = try pool.replenish()
        print(String(format: "spare made ahead of time: %.2f s (%@)", Date().timeIntervalSince(start), made.joined(separator: ", ")))
        let used = SpareUse()
        let databases = EnvironmentDatabases(server: server, spares: pool) { line in
            if line.contains("from spare") { used.mark() }
        }
        start = Date()
        _ = try databases.create("bench-preview", from: .snapshot(record.name), password: "bench-preview-pw")
        let preview = Date().timeIntervalSince(start)
        guard used.marked else { throw DataError("the preview did not take the spare") }
        print(String(format: "preview database from a spare: %.2f s (%.1fx faster than the template copy)", preview, copied / preview))
        try databases.drop("bench-preview")
        print("PREVIEW_SECONDS=\(preview)")
        print("TEMPLATE_COPY_SECONDS=\(copied)")
        print("SNAPSHOT_NAME=\(record.name)")
    }
}

/// Whether the engine's log said a spare was taken.
private final class SpareUse: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func mark() { lock.withLock { value = true } }
    var marked: Bool { lock.withLock { value } }
}
