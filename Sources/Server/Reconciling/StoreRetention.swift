import Forge
import Foundation
import SlipwayCore
import Store

/// Keeps the store from growing forever: once at start and then daily, on its own thread, it
/// removes finished deliveries and finished jobs past their retention, the forge update queue's
/// bookkeeping (applied versions) past the job retention, and the PR comment state of previews
/// that are gone. Nothing pending, running or live is ever removed.
final class StoreRetention: @unchecked Sendable {
    /// What one pass removed.
    struct Result: Sendable, Equatable, CustomStringConvertible {
        var deliveries = 0
        var jobs = 0
        var forgeKeys = 0
        var commentKeys = 0

        var description: String {
            "deliveries=\(deliveries) jobs=\(jobs) forge-keys=\(forgeKeys) comment-keys=\(commentKeys)"
        }
    }

    private let store: any Store
    private let forgeQueue: ForgeUpdateQueue?
    private let deliveryRetention: TimeInterval?
    private let jobRetention: TimeInterval?
    private let logger: Logger

    init(store: any Store, forgeQueue: ForgeUpdateQueue?, deliveryRetention: TimeInterval?, jobRetention: TimeInterval?, logger: Logger) {
        self.store = store
        self.forgeQueue = forgeQueue
        self.deliveryRetention = deliveryRetention
        self.jobRetention = jobRetention
        self.logger = logger
        task = PeriodicTask(name: "store retention", logger: logger) { [unowned self] in "\(try self.apply())" }
    }

    /// One pass, as of `now`.
    @discardableResult
    func apply(now: Date = Date()) throws -> Result {
        var result = Result()
        if let deliveryRetention {
            result.deliveries = try store.pruneDeliveries(finishedBefore: now.addingTimeInterval(-deliveryRetention))
        }
        guard let jobRetention else { return result }
        let cutoff = now.addingTimeInterval(-jobRetention)
        result.jobs = try store.pruneJobs(finishedBefore: cutoff)
        result.forgeKeys = try pruneAppliedForgeKeys(before: cutoff, now: now)
        result.commentKeys = try pruneCommentState(before: cutoff)
        return result
    }

    /// Applied versions older than `cutoff`. Rows without a date (written before retention
    /// existed) are dated `now`, so they go one retention later.
    private func pruneAppliedForgeKeys(before cutoff: Date, now: Date) throws -> Int {
        var forgotten = Set<ForgeUpdateKey>()
        for (key, json) in try store.values(withPrefix: StoreForgePersistence.appliedPrefix) {
            guard var applied = try? JSONDecoder().decode(StoreForgePersistence.Applied.self, from: Data(json.utf8)) else {
                try store.setValue(nil, forKey: key)
                continue
            }
            guard let appliedAt = applied.appliedAt else {
                applied.appliedAt = now
                try store.setValue(String(decoding: try JSONEncoder().encode(applied), as: UTF8.self), forKey: key)
                continue
            }
            if appliedAt < cutoff {
                try store.setValue(nil, forKey: key)
                forgotten.insert(applied.key)
            }
        }
        forgeQueue?.forgetApplied(forgotten)
        return forgotten.count
    }

    /// Comment sections of environments torn down before `cutoff` (or never recorded, of a
    /// closed PR), and notices of closed PRs.
    private func pruneCommentState(before cutoff: Date) throws -> Int {
        let closed = Set(try store.pullRequests().filter { $0.state == .closed }.map(\.number))
        var removed = 0
        for (key, json) in try store.values(withPrefix: PullRequestCommentPublisher.sectionPrefix) {
            let name = String(key.dropFirst(PullRequestCommentPublisher.sectionPrefix.count))
            let stored = try? JSONDecoder().decode(PullRequestCommentPublisher.StoredSection.self, from: Data(json.utf8))
            let gone: Bool
            if let environment = try store.environment(named: name) {
                gone = environment.status == .tornDown && environment.updatedAt < cutoff
            } else {
                gone = stored?.pullRequest.map(closed.contains) ?? true
            }
            if gone {
                try store.setValue(nil, forKey: key)
                removed += 1
            }
        }
        // Per-PR notes of closed pull requests: plan notices, promotion notices, label approvals.
        for prefix in [PullRequestCommentPublisher.noticePrefix, PullRequestCommentPublisher.promotionNoticePrefix,
                       SQLiteStore.approvalSignalPrefix] {
            for key in try store.values(withPrefix: prefix).keys {
                guard let number = Int(key.dropFirst(prefix.count)), closed.contains(number) else { continue }
                try store.setValue(nil, forKey: key)
                removed += 1
            }
        }
        return removed
    }

    /// Set once at the end of `init`.
    private var task: PeriodicTask?

    func start() { task?.start() }

    func stop() { task?.stop() }
}
