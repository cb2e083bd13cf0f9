public import Foundation
public import SlipwayCore

/// What Slipway commits for one build, deploy or teardown attempt: the `record.json` of a
/// record folder on the evidence branch. The format is published as `evidence/SCHEMA.json`
/// (JSON Schema 2020-12) and explained field by field in `evidence/README.md`.
///
/// Encoded with sorted keys and ISO 8601 UTC times (millisecond precision): the same record
/// always gives the same bytes. Never holds a secret (the writer redacts every string).
public struct EvidenceRecord: Sendable, Equatable, Codable {
    public static let schemaID = "https://slipway.dev/schemas/evidence/v1"

    /// What started the attempt.
    public struct Trigger: Sendable, Equatable, Codable {
        /// `delivery` (a webhook), `reconcile` (the periodic or startup reconcile), `command`
        /// (someone ran `slipway`), or `other`.
        public var type: String
        /// The `X-GitHub-Delivery` id for deliveries.
        public var id: String?
        /// Who: the webhook sender, the approver, or the user who ran a command.
        public var actor: String?
        /// The trigger string exactly as the job carried it.
        public var raw: String

        public init(type: String, id: String? = nil, actor: String? = nil, raw: String) {
            self.type = type
            self.id = id
            self.actor = actor
            self.raw = raw
        }

        /// Reads the job's trigger string: `delivery:<id>`, `reconcile`, `command:<user>`.
        public init(parsing raw: String, actor: String? = nil) {
            let parts = raw.split(separator: ":", maxSplits: 1).map(String.init)
            switch parts.first ?? "" {
            case "delivery":
                self.init(type: "delivery", id: parts.count > 1 ? parts[1] : nil, actor: actor, raw: raw)
            case "reconcile":
                self.init(type: "reconcile", id: nil, actor: actor, raw: raw)
            case "command":
                self.init(type: "command", id: nil, actor: actor ?? (parts.count > 1 ? parts[1] : nil), raw: raw)
            default:
                self.init(type: "other", id: nil, actor: actor, raw: raw)
            }
        }
    }

    public struct Step: Sendable, Equatable, Codable {
        public var name: String
        public var command: String
        public var exitCode: Int32?
        public var killedBecause: String?
        public var startedAt: Date
        public var durationSeconds: Double
        /// The step's log, relative to the record folder (`logs/build.log`).
        public var log: String?

        enum CodingKeys: String, CodingKey {
            case name, command, log
            case exitCode = "exit_code", killedBecause = "killed_because", startedAt = "started_at"
            case durationSeconds = "duration_seconds"
        }
    }

    public struct HealthAttempt: Sendable, Equatable, Codable {
        public var at: Date
        public var status: Int?
        public var latencySeconds: Double?
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case at, status, error
            case latencySeconds = "latency_seconds"
        }
    }

    public var schema: String
    public var id: String
    public var repository: String
    public var environment: String
    public var environmentKind: String
    public var kind: String
    public var sha: String
    public var contentID: String
    public var pullRequest: Int?
    public var specFile: String
    public var trigger: Trigger
    public var approver: String?
    /// A promotion's approvers (distinct GitHub logins), gates and the evidence id of the healthy
    /// deploy on the source environment it was promoted from.
    public var approvers: [String]?
    public var gates: [PromotionGate]?
    public var promotedFrom: String?
    /// A person's pin this deploy carries out (rollback, manual deploy, break glass, teardown).
    public var pin: EnvironmentPin?
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationSeconds: Double?
    public var steps: [Step]
    public var lockFiles: [String: String]
    public var artifacts: [String: String]
    public var health: [HealthAttempt]
    public var url: String?
    /// `succeeded`, `failed`, `cancelled`, or `unknown` when the attempt has no outcome.
    public var outcome: String
    public var failedPhase: String?
    public var failure: String?
    public var neutralization: [String]
    /// The environment's own database: its name, where its data came from (the snapshot), the scan.
    public var database: DatabaseUse?
    /// The container image that served (`deploy.driver: container`): its id and digests.
    public var image: ContainerImageUse?
    /// Every log file of the record folder, relative to it, sorted.
    public var logs: [String]

    enum CodingKeys: String, CodingKey {
        case schema = "$schema"
        case id, repository, environment, kind, sha, trigger, approver, steps, artifacts, health, url, outcome, failure
        case neutralization, logs, database, image
        case environmentKind = "environment_kind", contentID = "content_id", pullRequest = "pull_request"
        case specFile = "spec_file", startedAt = "started_at", finishedAt = "finished_at"
        case durationSeconds = "duration_seconds", lockFiles = "lock_files", failedPhase = "failed_phase"
        case approvers, gates, pin
        case promotedFrom = "promoted_from"
    }

    /// The record for `report`. Step logs are renamed to `logs/<file name>`; `redactor` masks
    /// every string (defence in depth: the runner already redacts).
    public init(id: String, repository: String, report: DeploymentReport, trigger: Trigger, redactor: Redactor = Redactor()) {
        let r = { (text: String) in redactor.redact(text) }
        schema = Self.schemaID
        self.id = id
        self.repository = r(repository)
        environment = report.environment
        environmentKind = report.environmentKind.rawValue
        kind = report.jobKind
        sha = report.sha
        contentID = report.contentID
        pullRequest = report.pullRequest
        specFile = report.specFile
        self.trigger = Trigger(type: trigger.type, id: trigger.id.map(r), actor: trigger.actor.map(r), raw: r(trigger.raw))
        approver = report.approver
        approvers = report.promotion?.approvers
        gates = report.promotion?.gates
        promotedFrom = report.promotion?.promotedFrom
        pin = report.pin.map { pin in
            var clean = pin
            clean.reason = pin.reason.map(r)
            return clean
        }
        startedAt = report.startedAt
        finishedAt = report.finishedAt
        durationSeconds = report.finishedAt.map { ($0.timeIntervalSince(report.startedAt) * 1000).rounded() / 1000 }
        steps = report.steps.map { step in
            Step(name: r(step.name), command: r(step.command), exitCode: step.exitCode, killedBecause: step.killedBecause,
                 startedAt: step.startedAt, durationSeconds: step.durationSeconds, log: step.log.map(Self.logPath))
        }
        lockFiles = report.lockFiles
        artifacts = report.artifacts
        health = report.health.map {
            HealthAttempt(at: $0.at, status: $0.status, latencySeconds: $0.latencySeconds, error: $0.error.map(r))
        }
        url = report.url.map(r)
        outcome = report.outcome?.rawValue ?? "unknown"
        failedPhase = report.failedPhase?.rawValue
        failure = report.failure.map(r)
        neutralization = report.neutralization
        database = report.database
        image = report.image.map { image in
            var clean = image
            clean.reference = r(image.reference)
            return clean
        }
        logs = Array(Set(steps.compactMap(\.log))).sorted()
    }

    /// `build/step-1.log` → `logs/step-1.log` (only the file name is kept, made safe).
    public static func logPath(_ log: String) -> String {
        let name = log.split(separator: "/").last.map(String.init) ?? log
        var safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
        if safe.isEmpty || safe.hasPrefix(".") { safe = "log" + safe }
        if !safe.hasSuffix(".log") { safe += ".log" }
        return "logs/" + safe
    }

    /// The record as committed: pretty-printed, sorted keys, a final newline.
    public func encoded() throws -> Data {
        var data = try Self.encoder.encode(self)
        data.append(0x0A)
        return data
    }

    public static func decode(_ data: Data) throws -> EvidenceRecord {
        try decoder.decode(EvidenceRecord.self, from: data)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(EvidenceTime.iso(date))
        }
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = EvidenceTime.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 UTC time: \(text)")
            }
            return date
        }
        return decoder
    }
}

/// UTC times as the evidence writes them.
public enum EvidenceTime {
    /// `2026-05-01T12:00:00.250Z`: ISO 8601, UTC, milliseconds.
    public static func iso(_ date: Date) -> String {
        let c = components(date)
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!,
                      (millis + 1000) % 1000)
    }

    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func components(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // Whole seconds, rounded down, so the path and the ISO time agree.
        let whole = Date(timeIntervalSince1970: (date.timeIntervalSince1970).rounded(.down))
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: whole)
    }
}
