public import Foundation

/// One step of an evidence record as the `builds` table keeps it (docs/sql.md).
public struct BuildRow: Sendable, Equatable {
    public var evidenceID: String
    /// The step's position in the record, from 0.
    public var step: Int
    public var environment: String
    public var sha: String
    public var name: String
    public var command: String
    public var exitCode: Int?
    public var killedBecause: String?
    public var startedAt: Date
    public var durationSeconds: Double
}

/// One evidence record (deploy, teardown, ...) as the `deployments` table keeps it (docs/sql.md).
public struct DeploymentRow: Sendable, Equatable {
    public var evidenceID: String
    public var environment: String
    public var environmentKind: String
    /// The record kind: `deploy`, `teardown`, ...
    public var kind: String
    public var sha: String
    public var contentID: String
    public var pullRequest: Int?
    public var triggerType: String
    public var triggerActor: String?
    /// A promotion's approvers (or the single approver), comma-joined; nil when nobody approved.
    public var approvers: String?
    public var healthAttempts: Int
    public var lastHealthStatus: Int?
    public var outcome: String
    public var failedPhase: String?
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationSeconds: Double?
    /// The SHA of the environment's newest earlier successful deploy: what a rollback goes back to.
    public var rollbackTarget: String?
}

/// Derives the `builds` and `deployments` rows of an evidence record from its JSON (the store
/// does not depend on the Evidence module; the field names are those of `evidence/SCHEMA.json`).
enum EvidenceTables {
    private struct Record: Decodable {
        struct Trigger: Decodable {
            var type: String?
            var actor: String?
        }

        struct Step: Decodable {
            var name: String?
            var command: String?
            var exit_code: Int?
            var killed_because: String?
            var started_at: String?
            var duration_seconds: Double?
        }

        struct Health: Decodable {
            var status: Int?
        }

        var content_id: String?
        var trigger: Trigger?
        var approver: String?
        var approvers: [String]?
        var steps: [Step]?
        var health: [Health]?
        var failed_phase: String?
        var started_at: String?
        var finished_at: String?
        var duration_seconds: Double?
    }

    /// The rows of `entry`; a record whose JSON cannot be read gives a deployment row from the
    /// index fields alone and no build rows.
    static func rows(_ entry: EvidenceIndexEntry) -> (deployment: DeploymentRow, builds: [BuildRow]) {
        let record = (try? JSONDecoder().decode(Record.self, from: Data(entry.record.utf8)))
        let approvers = record?.approvers.flatMap { $0.isEmpty ? nil : $0.joined(separator: ",") } ?? record?.approver
        let deployment = DeploymentRow(
            evidenceID: entry.id, environment: entry.environment, environmentKind: entry.environmentKind, kind: entry.kind,
            sha: entry.sha, contentID: record?.content_id ?? "", pullRequest: entry.pullRequest,
            triggerType: record?.trigger?.type ?? "other", triggerActor: record?.trigger?.actor, approvers: approvers,
            healthAttempts: record?.health?.count ?? 0, lastHealthStatus: record?.health?.last?.status, outcome: entry.outcome,
            failedPhase: record?.failed_phase,
            // The times as committed (milliseconds), so a reindex from the branch gives the same rows.
            startedAt: record?.started_at.flatMap(time) ?? entry.startedAt,
            finishedAt: record == nil ? entry.finishedAt : record?.finished_at.flatMap(time),
            durationSeconds: record?.duration_seconds, rollbackTarget: nil)
        let builds = (record?.steps ?? []).enumerated().map { position, step in
            BuildRow(evidenceID: entry.id, step: position, environment: entry.environment, sha: entry.sha, name: step.name ?? "",
                     command: step.command ?? "", exitCode: step.exit_code, killedBecause: step.killed_because,
                     startedAt: step.started_at.flatMap(time) ?? entry.startedAt, durationSeconds: step.duration_seconds ?? 0)
        }
        return (deployment, builds)
    }

    /// `2026-05-01T12:00:00.250Z` (or without the fraction).
    static func time(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// Replaces the rows of `entry` (inside the caller's transaction).
    static func write(_ entry: EvidenceIndexEntry, _ x: any SQLExecutor) throws {
        let (d, builds) = rows(entry)
        try x.change("DELETE FROM builds WHERE evidence_id = ?", [.text(entry.id)])
        try x.change("DELETE FROM deployments WHERE evidence_id = ?", [.text(entry.id)])
        try x.change(
            """
            INSERT INTO deployments (evidence_id, environment, environment_kind, kind, sha, content_id, pull_request,
                trigger_type, trigger_actor, approvers, health_attempts, last_health_status, outcome, failed_phase,
                started_at, finished_at, duration_seconds, rollback_target)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
            """,
            [.text(d.evidenceID), .text(d.environment), .text(d.environmentKind), .text(d.kind), .text(d.sha), .text(d.contentID),
             .optional(d.pullRequest), .text(d.triggerType), .optional(d.triggerActor), .optional(d.approvers),
             .int(Int64(d.healthAttempts)), .optional(d.lastHealthStatus), .text(d.outcome), .optional(d.failedPhase),
             .double(d.startedAt.timeIntervalSince1970), d.finishedAt.map { .double($0.timeIntervalSince1970) } ?? .null,
             d.durationSeconds.map(SQLValue.double) ?? .null]
        )
        for b in builds {
            try x.change(
                """
                INSERT INTO builds (evidence_id, step, environment, sha, name, command, exit_code, killed_because, started_at,
                    duration_seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(b.evidenceID), .int(Int64(b.step)), .text(b.environment), .text(b.sha), .text(b.name), .text(b.command),
                 .optional(b.exitCode), .optional(b.killedBecause), .double(b.startedAt.timeIntervalSince1970),
                 .double(b.durationSeconds)]
            )
        }
    }

    /// Recomputes `rollback_target` for the deployments of `environment`: whatever order records
    /// were indexed in, each row names the newest earlier successful deploy's SHA.
    /// With no environment, recomputes every row (after records were removed).
    static func updateRollbackTargets(environment: String?, _ x: any SQLExecutor) throws {
        try x.change(
            """
            UPDATE deployments SET rollback_target = (
                SELECT d.sha FROM deployments d
                WHERE d.environment = deployments.environment AND d.kind = 'deploy' AND d.outcome = 'succeeded'
                  AND (d.started_at < deployments.started_at
                       OR (d.started_at = deployments.started_at AND d.evidence_id < deployments.evidence_id))
                ORDER BY d.started_at DESC, d.evidence_id DESC LIMIT 1)
            \(environment == nil ? "" : "WHERE environment = ?")
            """,
            environment.map { [.text($0)] } ?? []
        )
    }

    static func deployment(_ row: any SQLRow) -> DeploymentRow {
        DeploymentRow(
            evidenceID: row.string("evidence_id") ?? "", environment: row.string("environment") ?? "",
            environmentKind: row.string("environment_kind") ?? "", kind: row.string("kind") ?? "", sha: row.string("sha") ?? "",
            contentID: row.string("content_id") ?? "", pullRequest: row.int("pull_request"),
            triggerType: row.string("trigger_type") ?? "", triggerActor: row.string("trigger_actor"),
            approvers: row.string("approvers"), healthAttempts: row.int("health_attempts") ?? 0,
            lastHealthStatus: row.int("last_health_status"), outcome: row.string("outcome") ?? "",
            failedPhase: row.string("failed_phase"), startedAt: row.date("started_at") ?? Date(timeIntervalSince1970: 0),
            finishedAt: row.date("finished_at"), durationSeconds: row.double("duration_seconds"),
            rollbackTarget: row.string("rollback_target"))
    }

    static func build(_ row: any SQLRow) -> BuildRow {
        BuildRow(
            evidenceID: row.string("evidence_id") ?? "", step: row.int("step") ?? 0, environment: row.string("environment") ?? "",
            sha: row.string("sha") ?? "", name: row.string("name") ?? "", command: row.string("command") ?? "",
            exitCode: row.int("exit_code"), killedBecause: row.string("killed_because"),
            startedAt: row.date("started_at") ?? Date(timeIntervalSince1970: 0), durationSeconds: row.double("duration_seconds") ?? 0)
    }
}
