import Foundation
public import Reconcile
public import SlipwayCore
public import Store

/// The bot's delivery handler: a pull request delivery updates the PR's record (ordered by the
/// forge's `updated_at`, so late deliveries change nothing), then any delivery marks the
/// repository dirty for the reconcile driver and returns: the delivery is processed without
/// waiting for a reconcile, and a burst of deliveries is planned by a handful of reconciles.
/// Webhooks are hints: the reconcile recomputes everything from git and the store.
public struct ReconcilingHandler: DeliveryHandler {
    let reconciler: Reconciler
    let store: any Store
    /// The one reconcile driver of the repository.
    let driver: ReconcileLoop
    /// Told about every pull request delivery once it is recorded (promotion labels).
    let onPullRequest: (@Sendable (PullRequestEvent) -> Void)?

    public init(reconciler: Reconciler, store: any Store, driver: ReconcileLoop,
                onPullRequest: (@Sendable (PullRequestEvent) -> Void)? = nil) {
        self.reconciler = reconciler
        self.store = store
        self.driver = driver
        self.onPullRequest = onPullRequest
    }

    public func handle(_ event: WebhookEvent, delivery: DeliveryRecord, logger: Logger) throws {
        switch event {
        case .ping:
            logger.info("ping received")
            return
        case .push(let push):
            logger.info("push received", ["ref": push.ref, "sha": push.after])
        case .pullRequestReview(let review):
            // Reviews are read from the forge when a promotion is evaluated: this only wakes it.
            logger.info("pull request review received", ["pr": "\(review.number)", "action": review.action,
                                                         "reviewer": review.reviewer ?? "", "state": review.state ?? ""])
        case .pullRequest(let pr):
            var record = Self.record(pr, receivedAt: delivery.receivedAt)
            if !record.labelHeads.isEmpty, pr.pullRequest.provenance != .sameRepository {
                // Only a person the forge reports with write access may vouch for a fork's code;
                // without a forge nobody can, and the label counts for nothing.
                let sender = pr.sender ?? ""
                if let source = reconciler.pullRequestSource {
                    if try !source.hasWriteAccess(sender) {
                        logger.warning("label ignored: its author cannot push to the repository", ["pr": "\(pr.number)", "sender": sender, "label": pr.label ?? ""])
                        record.labelHeads = [:]
                    }
                } else {
                    logger.warning("label ignored: without a forge nobody's write access can be checked, so forks are never built",
                                   ["pr": "\(pr.number)", "sender": sender, "label": pr.label ?? ""])
                    record.labelHeads = [:]
                }
            }
            try store.recordPullRequest(record)
            onPullRequest?(pr)
            logger.info("pull request updated", ["pr": "\(pr.number)", "action": pr.action.rawValue, "sha": pr.pullRequest.head.sha])
        }
        driver.markDirty(trigger: "delivery:\(delivery.id)")
    }

    /// The store's view of a pull request delivery.
    static func record(_ event: PullRequestEvent, receivedAt: Date) -> PullRequestRecord {
        let pr = event.pullRequest
        var labelHeads: [String: String] = [:]
        if event.action == .labeled, let label = event.label {
            labelHeads[label] = pr.head.sha
        }
        return PullRequestRecord(
            number: pr.number, state: pr.state == .open ? .open : .closed, headSHA: pr.head.sha, baseRef: pr.base.ref,
            headRef: pr.head.ref, isDraft: pr.draft, provenance: event.pullRequest.provenance, labels: pr.labels, author: pr.author,
            labelHeads: labelHeads, headSeenAt: receivedAt, updatedAt: pr.updatedAt
        )
    }
}
