public import Forge
public import Foundation
public import SlipwayCore
public import Store

/// Missed webhooks, asked for again at start: lists the hook's recent deliveries (the last
/// `window`, at most `limit`), and asks GitHub to redeliver each event whose latest attempt
/// failed (not 2xx), unless the journal already holds it (by its `X-GitHub-Delivery` guid) or
/// this bot already asked for it (remembered in the store's key-value table under
/// `redelivery:<guid>`, for twice the window, so a restart does not ask again).
///
/// The hook is a repository webhook, or the GitHub App's webhook (`/app/hook/deliveries`): that
/// one carries every installation's events, and only this installation's are asked for again.
/// Blocking: run it on a thread of its own.
public struct HookRedelivery: Sendable {
    /// What one pass did.
    public struct Summary: Sendable, Equatable, CustomStringConvertible {
        /// Deliveries listed (attempts, redeliveries included).
        public var listed = 0
        /// Events whose latest attempt failed.
        public var failed = 0
        /// Of those, already in the journal (the bot has them).
        public var journaled = 0
        /// Of those, asked for before (by this bot, in an earlier run).
        public var askedBefore = 0
        /// Redeliveries asked for now: their guids.
        public var redelivered: [String] = []
        /// Redeliveries GitHub refused, or the listing's failure.
        public var errors: [String] = []

        public var description: String {
            "listed \(listed), failed \(failed), journaled \(journaled), asked before \(askedBefore), redelivered \(redelivered.count), errors \(errors.count)"
        }
    }

    public static let keyPrefix = "redelivery:"

    let client: GitHubClient
    let hook: ForgeHook
    let store: any Store
    let logger: Logger
    /// How far back deliveries are looked at, and how many at most.
    let window: TimeInterval
    let limit: Int
    let now: @Sendable () -> Date

    public init(client: GitHubClient, hook: ForgeHook, store: any Store, logger: Logger, window: TimeInterval = 86_400, limit: Int = 100,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.hook = hook
        self.store = store
        self.logger = logger
        self.window = window
        self.limit = limit
        self.now = now
    }

    /// The latest attempt of each event (guid) whose latest attempt failed, newest first.
    /// `deliveries` come newest first, as GitHub lists them.
    public static func failedEvents(_ deliveries: [GitHubHookDelivery]) -> [GitHubHookDelivery] {
        var seen = Set<String>()
        var failed: [GitHubHookDelivery] = []
        for delivery in deliveries.sorted(by: { ($0.deliveredAt, $0.id) > ($1.deliveredAt, $1.id) }) where seen.insert(delivery.guid).inserted {
            if !delivery.succeeded { failed.append(delivery) }
        }
        return failed
    }

    /// One pass; `shouldStop` is asked between redeliveries (the bot is stopping).
    @discardableResult
    public func run(shouldStop: () -> Bool = { false }) -> Summary {
        var summary = Summary()
        let current = now()
        forgetOldRequests(now: current)
        var deliveries: [GitHubHookDelivery]
        do {
            deliveries = try client.hookDeliveries(hook, since: current.addingTimeInterval(-window), limit: limit)
            if hook == .app {
                // The App's hook serves every installation: only this repository's count.
                let installation = try client.appInstallationID()
                deliveries = deliveries.filter { $0.installationID == installation }
            }
        } catch {
            summary.errors.append("\(error)")
            logger.warning("cannot list the webhook's recent deliveries; missed ones are not redelivered",
                           ["hook": hook.description, "error": "\(error)"])
            return summary
        }
        summary.listed = deliveries.count
        let failed = Self.failedEvents(deliveries)
        summary.failed = failed.count
        for delivery in failed {
            if shouldStop() { break }
            do {
                if try store.delivery(id: delivery.guid) != nil {
                    summary.journaled += 1
                    continue
                }
                if try store.value(forKey: Self.keyPrefix + delivery.guid) != nil {
                    summary.askedBefore += 1
                    continue
                }
                try client.redeliverHookDelivery(hook, deliveryID: delivery.id)
                try store.setValue(String(current.timeIntervalSince1970), forKey: Self.keyPrefix + delivery.guid)
                summary.redelivered.append(delivery.guid)
            } catch {
                summary.errors.append("\(delivery.guid): \(error)")
            }
        }
        logger.info("webhook redelivery at start", [
            "hook": hook.description, "deliveries.listed": String(summary.listed), "deliveries.failed": String(summary.failed),
            "deliveries.journaled": String(summary.journaled), "deliveries.asked_before": String(summary.askedBefore),
            "deliveries.redelivered": String(summary.redelivered.count), "errors": String(summary.errors.count),
        ])
        for error in summary.errors.prefix(5) {
            logger.warning("a webhook redelivery failed", ["hook": hook.description, "error": error])
        }
        return summary
    }

    /// Bounds the remembered requests: those older than twice the window are forgotten (their
    /// deliveries are out of the listing by then).
    func forgetOldRequests(now: Date) {
        guard let remembered = try? store.values(withPrefix: Self.keyPrefix) else { return }
        let cutoff = now.addingTimeInterval(-2 * window).timeIntervalSince1970
        for (key, value) in remembered where (Double(value) ?? 0) < cutoff {
            try? store.setValue(nil, forKey: key)
        }
    }
}
