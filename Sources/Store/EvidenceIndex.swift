public import Foundation
import SlipwayCore

/// One evidence record as the store indexes it: enough to list and show records without reading
/// git. `record` is the record's JSON exactly as committed to the evidence branch.
public struct EvidenceIndexEntry: Sendable, Equatable {
    /// The record id (16 lowercase hex digits), also in the commit's `Slipway-Evidence:` trailer.
    public var id: String
    public var environment: String
    public var environmentKind: String
    /// `deploy`, `teardown`, `build`, ...
    public var kind: String
    public var sha: String
    public var pullRequest: Int?
    /// `succeeded`, `failed`, `cancelled`, or `unknown` when the attempt never finished.
    public var outcome: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// The record's folder on the evidence branch (`evidence/staging/2026/05/01/120000-abc1234-deploy`).
    public var path: String
    public var branch: String
    /// The evidence commit that holds the record.
    public var commit: String
    /// The record JSON.
    public var record: String
    /// Log paths relative to `path` as they are now (`logs/build.log`, or `logs/build.log.gz`
    /// once compressed).
    public var logs: [String]

    public init(
        id: String, environment: String, environmentKind: String, kind: String, sha: String, pullRequest: Int?,
        outcome: String, startedAt: Date, finishedAt: Date?, path: String, branch: String, commit: String,
        record: String, logs: [String]
    ) {
        self.id = id
        self.environment = environment
        self.environmentKind = environmentKind
        self.kind = kind
        self.sha = sha
        self.pullRequest = pullRequest
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.path = path
        self.branch = branch
        self.commit = commit
        self.record = record
        self.logs = logs
    }
}

extension SQLStateStore {
    // MARK: Evidence index

    public func indexEvidence(_ entries: [EvidenceIndexEntry]) throws {
        guard !entries.isEmpty else { return }
        try inTransaction("index evidence") { x in
            for entry in entries {
                try x.change(
                    """
                    INSERT INTO evidence (id, environment, environment_kind, kind, sha, pull_request, outcome, started_at,
                        finished_at, path, branch, commit_sha, record, logs)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET environment = excluded.environment,
                        environment_kind = excluded.environment_kind, kind = excluded.kind, sha = excluded.sha,
                        pull_request = excluded.pull_request, outcome = excluded.outcome, started_at = excluded.started_at,
                        finished_at = excluded.finished_at, path = excluded.path, branch = excluded.branch,
                        commit_sha = excluded.commit_sha, record = excluded.record, logs = excluded.logs
                    """,
                    [.text(entry.id), .text(entry.environment), .text(entry.environmentKind), .text(entry.kind), .text(entry.sha),
                     .optional(entry.pullRequest), .text(entry.outcome), .double(entry.startedAt.timeIntervalSince1970),
                     entry.finishedAt.map { .double($0.timeIntervalSince1970) } ?? .null, .text(entry.path), .text(entry.branch),
                     .text(entry.commit), .text(entry.record), .text(JSONColumn.encode(entry.logs))]
                )
                try EvidenceTables.write(entry, x)
            }
            for environment in Set(entries.map(\.environment)).sorted() {
                try EvidenceTables.updateRollbackTargets(environment: environment, x)
            }
        }
    }

    public func replaceEvidenceIndex(_ entries: [EvidenceIndexEntry]) throws {
        try inTransaction("replace evidence index") { x in
            try x.change("DELETE FROM builds", [])
            try x.change("DELETE FROM deployments", [])
            try x.change("DELETE FROM evidence", [])
        }
        // Several transactions for a long history, so neither backend holds one huge write.
        for start in stride(from: 0, to: entries.count, by: 500) {
            try indexEvidence(Array(entries[start..<min(start + 500, entries.count)]))
        }
    }

    public func deployments(environment: String?, limit: Int) throws -> [DeploymentRow] {
        try inReadTransaction("list deployments") { x in
            if let environment {
                return try x.rows("SELECT * FROM deployments WHERE environment = ? ORDER BY started_at DESC, evidence_id DESC LIMIT ?",
                                  [.text(environment), .int(Int64(limit))]).map(EvidenceTables.deployment)
            }
            return try x.rows("SELECT * FROM deployments ORDER BY started_at DESC, evidence_id DESC LIMIT ?", [.int(Int64(limit))])
                .map(EvidenceTables.deployment)
        }
    }

    public func builds(evidenceID: String?, limit: Int) throws -> [BuildRow] {
        try inReadTransaction("list builds") { x in
            if let evidenceID {
                return try x.rows("SELECT * FROM builds WHERE evidence_id = ? ORDER BY step LIMIT ?",
                                  [.text(evidenceID), .int(Int64(limit))]).map(EvidenceTables.build)
            }
            return try x.rows("SELECT * FROM builds ORDER BY started_at DESC, evidence_id, step LIMIT ?", [.int(Int64(limit))])
                .map(EvidenceTables.build)
        }
    }

    public func evidence(environment: String?, limit: Int) throws -> [EvidenceIndexEntry] {
        try inReadTransaction("list evidence") { x in
            if let environment {
                return try x.rows("SELECT * FROM evidence WHERE environment = ? ORDER BY started_at DESC, id DESC LIMIT ?",
                                  [.text(environment), .int(Int64(limit))]).map(Self.evidenceEntry)
            }
            return try x.rows("SELECT * FROM evidence ORDER BY started_at DESC, id DESC LIMIT ?", [.int(Int64(limit))])
                .map(Self.evidenceEntry)
        }
    }

    public func evidence(environment: String?, since: Date?, before: (startedAt: Date, id: String)?, limit: Int) throws -> [EvidenceIndexEntry] {
        var conditions: [String] = []
        var parameters: [SQLValue] = []
        if let environment {
            conditions.append("environment = ?")
            parameters.append(.text(environment))
        }
        if let since {
            conditions.append("started_at >= ?")
            parameters.append(.double(since.timeIntervalSince1970))
        }
        if let before {
            conditions.append("(started_at < ? OR (started_at = ? AND id < ?))")
            parameters += [.double(before.startedAt.timeIntervalSince1970), .double(before.startedAt.timeIntervalSince1970), .text(before.id)]
        }
        parameters.append(.int(Int64(limit)))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") + " "
        return try inReadTransaction("page evidence") { x in
            try x.rows("SELECT * FROM evidence \(filter)ORDER BY started_at DESC, id DESC LIMIT ?", parameters).map(Self.evidenceEntry)
        }
    }

    public func evidence(id: String) throws -> EvidenceIndexEntry? {
        try inReadTransaction("read evidence") { x in
            try x.rows("SELECT * FROM evidence WHERE id = ?", [.text(id)]).first.map(Self.evidenceEntry)
        }
    }

    public func evidence(startedBefore cutoff: Date) throws -> [EvidenceIndexEntry] {
        try inReadTransaction("list old evidence") { x in
            try x.rows("SELECT * FROM evidence WHERE started_at < ? ORDER BY started_at, id", [.double(cutoff.timeIntervalSince1970)])
                .map(Self.evidenceEntry)
        }
    }

    @discardableResult
    public func removeEvidence(paths: [String], startedBefore cutoff: Date?) throws -> Int {
        try inTransaction("remove evidence") { x in
            var removed = 0
            for path in paths {
                // The derived rows go with the record, so the tables match the branch (and a reindex).
                try x.change("DELETE FROM builds WHERE evidence_id IN (SELECT id FROM evidence WHERE path = ?)", [.text(path)])
                try x.change("DELETE FROM deployments WHERE evidence_id IN (SELECT id FROM evidence WHERE path = ?)", [.text(path)])
                removed += try x.change("DELETE FROM evidence WHERE path = ?", [.text(path)])
            }
            if let cutoff {
                try x.change("DELETE FROM builds WHERE evidence_id IN (SELECT id FROM evidence WHERE started_at < ?)",
                             [.double(cutoff.timeIntervalSince1970)])
                try x.change("DELETE FROM deployments WHERE evidence_id IN (SELECT id FROM evidence WHERE started_at < ?)",
                             [.double(cutoff.timeIntervalSince1970)])
                removed += try x.change("DELETE FROM evidence WHERE started_at < ?", [.double(cutoff.timeIntervalSince1970)])
            }
            // Targets name kept records only, as a reindex from the pruned branch would.
            if removed > 0 { try EvidenceTables.updateRollbackTargets(environment: nil, x) }
            return removed
        }
    }

    public func updateEvidenceLogs(_ logsByPath: [String: [String]], commit: String) throws {
        guard !logsByPath.isEmpty else { return }
        try inTransaction("update evidence logs") { x in
            for (path, logs) in logsByPath {
                try x.change("UPDATE evidence SET logs = ?, commit_sha = ? WHERE path = ?",
                             [.text(JSONColumn.encode(logs)), .text(commit), .text(path)])
            }
        }
    }

    static func evidenceEntry(_ row: any SQLRow) -> EvidenceIndexEntry {
        EvidenceIndexEntry(
            id: row.string("id") ?? "", environment: row.string("environment") ?? "",
            environmentKind: row.string("environment_kind") ?? "", kind: row.string("kind") ?? "", sha: row.string("sha") ?? "",
            pullRequest: row.int("pull_request"), outcome: row.string("outcome") ?? "unknown",
            startedAt: row.date("started_at") ?? Date(timeIntervalSince1970: 0), finishedAt: row.date("finished_at"),
            path: row.string("path") ?? "", branch: row.string("branch") ?? "", commit: row.string("commit_sha") ?? "",
            record: row.string("record") ?? "{}", logs: JSONColumn.decodeList(row.string("logs"))
        )
    }
}
