import Data
import Evidence
import Foundation
import Reconcile
import Runner
import SlipwayCore
import Store

/// `snapshot.every`: makes a sanitized snapshot when the newest is that old (checked hourly, so
/// a restart neither skips nor repeats one), records it in the evidence, and refreshes the staging
/// environments whose database comes from the snapshot.
final class SnapshotSchedule: @unchecked Sendable {
    let plane: DataPlane
    let every: TimeInterval
    let service: SnapshotService
    private var task: PeriodicTask?

    init(plane: DataPlane, every: TimeInterval, service: SnapshotService, logger: Logger) {
        self.plane = plane
        self.every = every
        self.service = service
        task = PeriodicTask(name: "snapshot schedule", interval: min(3600, every), logger: logger) { [unowned self] in
            try self.tick(now: Date())
        }
    }

    func start() { task?.start() }
    func stop() { task?.stop() }

    /// One check: a snapshot when due, then staging refreshed from it.
    func tick(now: Date) throws -> String {
        if let newest = try plane.snapshots.newest(), now.timeIntervalSince(newest.createdAt) < every {
            return "not due: the newest snapshot \(newest.name) is \(Int(now.timeIntervalSince(newest.createdAt) / 3600))h old"
        }
        let outcome = try service.create(actor: "schedule")
        let refreshed = try service.refreshStaging(actor: "schedule")
        return "made \(outcome.record.name); refreshed \(refreshed.isEmpty ? "nothing" : refreshed.joined(separator: ", "))"
    }
}
