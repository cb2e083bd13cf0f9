public import Data
public import Evidence
public import Foundation
public import Reconcile
import Runner
public import SlipwayCore
public import Store

/// Makes a snapshot the way both `slipway snapshot create` and the schedule do: rules from the
/// specs on the trusted branch, production grant values for the scan, the record committed to
/// the evidence branch (`snapshots/<name>.json`), and staging refreshed from it on request.
public final class SnapshotService: @unchecked Sendable {
    public let plane: DataPlane
    let repository: ManagedRepository
    let store: any Store
    let branch: String
    let evidence: EvidenceWriter?
    let logger: Logger

    public init(plane: DataPlane, repository: ManagedRepository, store: any Store, branch: String, evidence: EvidenceWriter?, logger: Logger) {
        self.plane = plane
        self.repository = repository
        self.store = store
        self.branch = branch
        self.evidence = evidence
        self.logger = logger
    }

    public struct Outcome: Sendable {
        public var record: SnapshotRecord
        /// Production grants whose values could not be read here (not scanned for).
        public var unreadGrants: [String]
        /// The evidence commit holding the record, when it was committed.
        public var evidenceCommit: String?
    }

    /// Makes, checks and keeps a snapshot (or throws, naming table, column and rule — never a value).
    public func create(actor: String) throws -> Outcome {
        guard plane.server.production != nil else {
            throw ConfigError("no production source is configured (databases.production in slipway.yaml, or --database-production)")
        }
        try? repository.fetch()
        let (policy, rules, unread) = try plane.rules(repository: repository, branch: branch)
        guard !policy.isEmpty else {
            throw ConfigError("no spec on \(branch) copies from a snapshot (database.from: snapshot): there is nothing to make one for")
        }
        for name in unread {
            logger.warning("a production grant could not be read here, so the scan cannot look for its value", ["grant": name])
        }
        let record = try plane.snapshots.create(rules: rules, keep: plane.settings.snapshotKeep)
        logger.info("snapshot made", ["snapshot": record.name, "bytes": "\(record.sizeBytes)", "by": actor])
        var commit: String?
        if let evidence {
            do {
                commit = try evidence.publishFile("snapshots/\(record.name).json", data: try Self.encode(record),
                                                  message: "evidence: snapshot \(record.name)\n\nMade by \(actor) from the rules of \(policy.files.joined(separator: ", ")) on \(branch).\n")
            } catch {
                logger.warning("the snapshot's record was not committed to the evidence branch", ["snapshot": record.name, "error": "\(error)"])
            }
        }
        return Outcome(record: record, unreadGrants: unread, evidenceCommit: commit)
    }

    /// Asks every live staging environment whose spec takes its database from the snapshot to
    /// recreate it at its next deploy, and queues that deploy. Returns their names.
    public func refreshStaging(actor: String) throws -> [String] {
        var refreshed: [String] = []
        for record in try store.environments() where record.kind == .staging && record.status.isLive {
            let spec: EnvironmentSpec? = try? repository.withRepository { repo in
                guard case .specs(let specs) = try DesiredStateReader().specs(repo, at: record.specSHA ?? record.sha) else { return nil }
                return specs.first { $0.spec.file == record.specFile }?.spec
            }
            guard let spec, spec.database?.from == .snapshot else { continue }
            try store.setValue("\(actor) at \(ISO8601DateFormatter().string(from: Date()))", forKey: DatabaseRefresh.keyPrefix + record.name)
            let action = PlannedAction(kind: .update, environment: record.name, environmentKind: record.kind, sha: record.sha,
                                       contentID: record.contentID, specFile: record.specFile, specSHA: record.specSHA ?? record.sha,
                                       reason: "refresh \(record.name)'s database from the newest snapshot (\(actor))")
            _ = try store.enqueue([action], trigger: "command:\(actor)", now: Date())
            refreshed.append(record.name)
        }
        return refreshed
    }

    public static func encode(_ record: SnapshotRecord) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(record)
        data.append(0x0A)
        return data
    }
}
