import Foundation
@testable import Store
import Testing
import TestSupport

/// Monday 2026-06-01 00:00 UTC.
private let monday = 1_780_272_000.0

/// An index entry whose record JSON has the fields the tables are derived from (as the evidence
/// writer commits them: ISO 8601 times with milliseconds, snake_case keys).
private func record(_ id: String, env: String, kind: String = "deploy", sha: String, at offset: Double, took: Double,
                    outcome: String, approvers: [String]? = nil, trigger: (String, String?) = ("delivery", nil)) -> EvidenceIndexEntry {
    let started = Date(timeIntervalSince1970: monday + offset)
    let finished = started.addingTimeInterval(took)
    let iso = { (date: Date) -> String in
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return "\"" + formatter.string(from: date) + "\""
    }
    var fields = [
        "\"id\": \"\(id)\"", "\"content_id\": \"\(String(repeating: "c", count: 64))\"",
        "\"trigger\": {\"type\": \"\(trigger.0)\", \"raw\": \"x\"\(trigger.1.map { ", \"actor\": \"\($0)\"" } ?? "")}",
        "\"started_at\": \(iso(started))", "\"finished_at\": \(iso(finished))", "\"duration_seconds\": \(took)",
        "\"health\": [{\"at\": \(iso(finished)), \"status\": \(outcome == "succeeded" ? 200 : 502)}]",
        """
        "steps": [{"name": "build", "command": "sh build.sh", "exit_code": 0, "started_at": \(iso(started)), "duration_seconds": 1.5},
                  {"name": "deploy", "command": "sh serve.sh", "killed_because": \(outcome == "failed" ? "\"timeout\"" : "null"),
                   "started_at": \(iso(started.addingTimeInterval(2))), "duration_seconds": 0.25}]
        """,
    ]
    if outcome == "failed" { fields.append("\"failed_phase\": \"health\"") }
    if let approvers { fields.append("\"approvers\": [" + approvers.map { "\"\($0)\"" }.joined(separator: ", ") + "]") }
    return EvidenceIndexEntry(
        id: id, environment: env, environmentKind: env == "production" ? "production" : "staging", kind: kind, sha: sha,
        pullRequest: nil, outcome: outcome, startedAt: started, finishedAt: finished, path: "evidence/\(env)/\(id)", branch: "slipway/evidence",
        commit: String(repeating: "e", count: 40), record: "{" + fields.joined(separator: ", ") + "}", logs: [])
}

/// A week of staging and production: a healthy deploy, two failures, the fix, next week's
/// deploy; production promoted by two approvers, then a failure nobody fixed yet.
private let history: [EvidenceIndexEntry] = [
    record("a", env: "staging", sha: "a1", at: 3600, took: 60, outcome: "succeeded"),
    record("b", env: "staging", sha: "b2", at: 7200, took: 30, outcome: "failed"),
    record("c", env: "staging", sha: "c3", at: 7500, took: 30, outcome: "failed"),
    record("d", env: "staging", sha: "d4", at: 9000, took: 120, outcome: "succeeded"),
    record("e", env: "staging", sha: "e5", at: 8 * 86400, took: 60, outcome: "succeeded"),
    record("p", env: "production", sha: "d4", at: 10000, took: 60, outcome: "succeeded", approvers: ["alice", "bob"],
           trigger: ("command", "alice")),
    record("q", env: "production", sha: "e5", at: 20000, took: 60, outcome: "failed"),
]

/// The example queries of docs/sql.md: (name, backends, SQL).
private func documentedQueries() throws -> [(name: String, backends: [String], sql: String)] {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/sql.md").standardized.path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var queries: [(String, [String], String)] = []
    for block in text.components(separatedBy: "```sql\n").dropFirst() {
        let sql = block.components(separatedBy: "\n```").first ?? ""
        let header = sql.split(separator: "\n").first.map(String.init) ?? ""
        guard header.hasPrefix("-- name: "), let split = header.range(of: "; backends: ") else {
            Issue.record("a sql block of docs/sql.md starts without `-- name: X; backends: ...`: \(header)")
            continue
        }
        let name = String(header[header.index(header.startIndex, offsetBy: 9)..<split.lowerBound])
        let backends = header[split.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        queries.append((name, backends, sql))
    }
    return queries
}

/// Runs SQL as a dashboard would: every column of every row as text.
private func run(_ store: any Store, _ sql: String, columns: [String]) throws -> [[String]] {
    // Numbers the same way whichever type a backend answers with (PostgreSQL sends text).
    let number = { (value: Double) -> String in value == value.rounded() ? "\(Int64(value))" : String(format: "%.1f", value) }
    let read = { (row: any SQLRow, column: String) -> String in
        if let text = row.string(column) { return Double(text).map(number) ?? text }
        if let value = row.double(column) { return number(value) }
        return "NULL"
    }
    let rows: [any SQLRow]
    switch store {
    case let sqlite as SQLiteStore: rows = try sqlite.inReadTransaction("example") { try $0.rows(sql, []) }
    case let postgres as PostgresStore: rows = try postgres.inReadTransaction("example") { try $0.rows(sql, []) }
    default: throw StoreError(operation: "example", message: "unknown backend \(type(of: store))")
    }
    return rows.map { row in columns.map { read(row, $0) } }
}

private func snapshot(_ commit: String, nodes: [(String, String)], edges: [(String, String)]) -> GraphSnapshot {
    GraphSnapshot(commit: commit, createdAt: Date(timeIntervalSince1970: monday),
                  nodes: nodes.map { GraphSnapshot.Node(id: $0.0, kind: String($0.0.prefix { $0 != ":" }), label: $0.1,
                                                         sources: ["docker-compose.yml", "environments/staging.yaml"], properties: "{\"port\":\"8080\"}") },
                  edges: edges.map { GraphSnapshot.Edge(from: $0.0, kind: "DEPENDS_ON", to: $0.1, sources: ["docker-compose.yml"]) })
}

@Suite("Evidence and graph tables (SQLite and PostgreSQL)", .postgresCluster)
struct EvidenceTablesTests {
    @Test("indexing evidence fills deployments and builds, rollback targets follow start order whatever the indexing order, and a replace gives the same rows",
          arguments: Backend.allCases)
    func deploymentsAndBuilds(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        // Out of order, in two batches, as a batching writer and a late flush could.
        try store.indexEvidence([history[4], history[1]])
        try store.indexEvidence([history[0], history[3], history[2], history[5], history[6]])
        let rows = try store.deployments(environment: nil, limit: 100)
        #expect(rows.map(\.evidenceID) == ["e", "q", "p", "d", "c", "b", "a"])
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.evidenceID, $0) })
        #expect(["a", "b", "c", "d", "e", "p", "q"].map { byID[$0]?.rollbackTarget } == [nil, "a1", "a1", "a1", "d4", nil, "d4"])
        let p = try #require(byID["p"])
        #expect(p.approvers == "alice,bob")
        #expect(p.triggerType == "command" && p.triggerActor == "alice")
        #expect(p.healthAttempts == 1 && p.lastHealthStatus == 200 && p.durationSeconds == 60 && p.contentID.count == 64)
        #expect(byID["b"]?.failedPhase == "health" && byID["b"]?.lastHealthStatus == 502 && byID["b"]?.triggerActor == nil)
        #expect(byID["a"]?.startedAt == Date(timeIntervalSince1970: monday + 3600))
        let steps = try store.builds(evidenceID: "b", limit: 10)
        #expect(steps.map(\.name) == ["build", "deploy"])
        #expect(steps.map(\.exitCode) == [0, nil] && steps.map(\.killedBecause) == [nil, "timeout"])
        #expect(steps[1].startedAt == Date(timeIntervalSince1970: monday + 7202) && steps[1].durationSeconds == 0.25)
        let builds = try store.builds(evidenceID: nil, limit: 100)
        #expect(builds.count == 14)

        // Indexing a record again replaces its rows; a replace of the whole index rebuilds the same rows.
        try store.indexEvidence([history[1]])
        #expect(try store.deployments(environment: nil, limit: 100) == rows)
        try store.replaceEvidenceIndex(Array(history.reversed()))
        #expect(try store.deployments(environment: nil, limit: 100) == rows)
        #expect(try store.builds(evidenceID: nil, limit: 100) == builds)
        #expect(try store.deployments(environment: "production", limit: 100).map(\.evidenceID) == ["q", "p"])

        // Pruning a record removes its rows.
        try store.removeEvidence(paths: ["evidence/staging/e"], startedBefore: Date(timeIntervalSince1970: monday + 3601))
        let kept = try store.deployments(environment: nil, limit: 100)
        #expect(Set(kept.map(\.evidenceID)) == ["b", "c", "d", "p", "q"])
        // Rollback targets name kept records only, as a reindex from the pruned branch gives.
        #expect(kept.first { $0.evidenceID == "b" }?.rollbackTarget == nil)
        #expect(kept.first { $0.evidenceID == "q" }?.rollbackTarget == "d4")
        #expect(try store.builds(evidenceID: nil, limit: 100).count == 10)
        try store.replaceEvidenceIndex([])
        #expect(try store.deployments(environment: nil, limit: 100).isEmpty)
        #expect(try store.evidence(environment: nil, limit: 100).isEmpty)
    }

    @Test("a graph snapshot round-trips; the same graph at the same commit is stored once", arguments: Backend.allCases)
    func graphSnapshots(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let first = snapshot("1111", nodes: [("env:staging", "staging"), ("service:web", "web"), ("service:db", "db")],
                             edges: [("service:web", "service:db")])
        let id = try store.recordGraphSnapshot(first)
        #expect(try store.recordGraphSnapshot(first) == id)
        var stored = try #require(try store.graphSnapshot(id: id))
        stored.id = 0
        #expect(stored == first)
        let second = try store.recordGraphSnapshot(snapshot("2222", nodes: [("env:staging", "staging (2 services)"), ("service:web", "web")],
                                                            edges: []))
        #expect(second > id)
        #expect(try store.graphSnapshots(limit: 10).map(\.commit) == ["2222", "1111"])
        #expect(try store.graphSnapshot(id: second + 100) == nil)
        // Bounded: past the limit, the oldest snapshots go with their nodes and edges.
        let limit = SQLiteStore.graphSnapshotLimit
        for index in 0..<limit {
            try store.recordGraphSnapshot(snapshot("c\(index)", nodes: [("env:staging", "staging")], edges: []))
        }
        #expect(try store.graphSnapshots(limit: limit * 2).count == limit)
        #expect(try store.graphSnapshot(id: id) == nil)
    }

    @Test("every example query of docs/sql.md runs and answers as documented", arguments: Backend.allCases)
    func documentedExamples(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        try store.indexEvidence(history)
        let old = try store.recordGraphSnapshot(snapshot("1111", nodes: [("env:staging", "staging"), ("service:web", "web"), ("service:db", "db")],
                                                         edges: [("service:web", "service:db")]))
        let new = try store.recordGraphSnapshot(snapshot("2222", nodes: [("env:staging", "staging (cache)"), ("service:web", "web"), ("service:cache", "cache")],
                                                         edges: [("service:web", "service:cache")]))
        let expected: [String: (columns: [String], rows: [[String]])] = [
            "deploy-frequency": (["environment", "week", "deploys"],
                                 [["production", "2026-06-01", "1"], ["staging", "2026-06-01", "2"], ["staging", "2026-06-08", "1"]]),
            "failure-rate": (["environment", "deploys", "failed", "failure_percent"],
                             [["production", "2", "1", "50"], ["staging", "5", "2", "40"]]),
            "mean-time-to-restore": (["environment", "incidents", "mean_seconds_to_restore"], [["staging", "1", "1920"]]),
            "graph-node-changes": (["change", "node_id", "kind"],
                                   [["changed", "env:staging", "env"], ["added", "service:cache", "service"], ["removed", "service:db", "service"]]),
            "graph-edge-changes": (["change", "from_node", "kind", "to_node"],
                                   [["added", "service:web", "DEPENDS_ON", "service:cache"], ["removed", "service:web", "DEPENDS_ON", "service:db"]]),
        ]
        var ran: Set<String> = []
        for query in try documentedQueries() where query.backends.contains(backend.rawValue) {
            let check = try #require(expected[query.name], "docs/sql.md has a query \(query.name) this test does not check")
            let sql = query.sql.replacingOccurrences(of: ":old", with: "\(old)").replacingOccurrences(of: ":new", with: "\(new)")
            #expect(try run(store, sql, columns: check.columns) == check.rows, "\(query.name) on \(backend)")
            ran.insert(query.name)
        }
        #expect(ran == Set(expected.keys))
    }
}
