public import Foundation
public import SlipwayCore
public import Store

/// A fixed set of threads that take deliveries from the journal and process them.
///
/// Workers wake when the ingress journals a delivery and otherwise every `pollInterval` (other
/// replicas' deliveries, expired leases of a worker that died). A delivery whose processing
/// failed goes back to the queue until `maxAttempts`, then stays `failed` for a person to replay.
///
/// Deliveries are claimed and their results recorded `batch` at a time (one store write each
/// instead of one per delivery), and the threads run at a lower CPU priority (`niceness`) than
/// the webhook path: under a burst the ingress answers first and the workers drain the journal
/// with what is left (the reconcile is coalesced anyway). They never hold the store's writer
/// while the ingress waits for it: the store's writer thread runs their writes.
public final class DeliveryWorkers: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var count: Int = 2
        public var lease: TimeInterval = 60
        public var pollInterval: TimeInterval = 1
        public var maxAttempts: Int = 5
        /// First retry delay after a failed attempt; doubles with each attempt.
        public var retryBase: TimeInterval = 1
        /// Deliveries claimed (and finished) together.
        public var batch: Int = 16
        /// Added to the nice value of the worker threads (Linux: per thread).
        public var niceness: Int32 = 10
        /// This bot instance's stable id; workers lease as `<instance>/<index>`.
        public var instance: String = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        public init() {}
    }

    private let store: any Store
    private let processor: DeliveryProcessor
    private let metrics: Metrics
    private let logger: Logger
    private let configuration: Configuration
    /// Told after each delivery this instance finished (the reconcile driver holds marks while
    /// a burst drains).
    private let onFinished: @Sendable () -> Void
    private var pool: PollingWorkers!

    public init(store: any Store, processor: DeliveryProcessor, metrics: Metrics, logger: Logger, configuration: Configuration = Configuration(),
                onFinished: @escaping @Sendable () -> Void = {}) {
        self.onFinished = onFinished
        self.store = store
        self.processor = processor
        self.metrics = metrics
        self.logger = logger
        self.configuration = configuration
        pool = PollingWorkers(name: "slipway-delivery", count: configuration.count, pollInterval: configuration.pollInterval,
                              niceness: configuration.niceness) { [unowned self] owner in
            self.takeBatch(owner: owner)
        }
    }

    public func start() {
        do {
            let released = try store.releaseDeliveries(ownedBy: configuration.instance)
            if released > 0 {
                logger.warning("took back deliveries this instance held when it stopped", ["count": "\(released)"])
            }
        } catch {
            logger.error("could not take back this instance's leases", ["error": "\(error)"])
        }
        pool.start(ownerPrefix: "\(configuration.instance)/")
    }

    /// Wakes a worker: there is something new in the journal.
    public func wake() {
        pool.wake()
    }

    /// Stops taking new deliveries and waits for the ones in progress.
    public func stop() {
        pool.stop()
    }

    /// Processes the oldest claimable deliveries (up to `batch`), if any.
    private func takeBatch(owner: String) -> Bool {
        let claimed: [DeliveryRecord]
        do {
            claimed = try store.claimDeliveries(owner: owner, lease: configuration.lease, now: Date(), limit: max(1, configuration.batch))
        } catch {
            logger.error("could not read the journal", ["error": "\(error)"])
            return false
        }
        guard !claimed.isEmpty else { return false }
        var finished: [(delivery: DeliveryRecord, result: DeliveryResult)] = []
        finished.reserveCapacity(claimed.count)
        for delivery in claimed {
            if let result = process(delivery, owner: owner) { finished.append((delivery, result)) }
        }
        record(finished, owner: owner)
        return true
    }

    /// The delivery's final result, or nil when it was postponed for another attempt.
    private func process(_ delivery: DeliveryRecord, owner: String) -> DeliveryResult? {
        let log = logger.with(["delivery.id": delivery.id, "event": delivery.event])
        let result = processor.process(delivery, logger: log)
        if result.status == .failed && delivery.attempts < configuration.maxAttempts {
            // Keep the lease for a backoff (1 s, 2 s, 4 s, ... at most 5 min); any worker of any
            // replica takes it again when it expires.
            let backoff = min(pow(2, Double(delivery.attempts - 1)) * configuration.retryBase, 300)
            log.warning("delivery processing failed; will retry", [
                "attempt": "\(delivery.attempts)", "retry.in": "\(backoff)s", "error": result.reason ?? "",
            ])
            do {
                try store.postponeDelivery(id: delivery.id, owner: owner, until: Date().addingTimeInterval(backoff),
                                           reason: result.reason ?? "failed")
            } catch {
                log.error("could not postpone the delivery", ["error": "\(error)"])
            }
            return nil
        }
        if result.status == .failed {
            return DeliveryResult(status: .failed, action: result.action,
                                  reason: "gave up after \(delivery.attempts) attempts: \(result.reason ?? "")")
        }
        return result
    }

    /// Records the results of a batch in one store write, then tells about each.
    private func record(_ finished: [(delivery: DeliveryRecord, result: DeliveryResult)], owner: String) {
        guard !finished.isEmpty else { return }
        do {
            try store.finishDeliveries(finished.map { (id: $0.delivery.id, result: $0.result) }, owner: owner, now: Date())
        } catch {
            logger.error("could not record the delivery results", ["error": "\(error)", "count": "\(finished.count)"])
        }
        for (delivery, result) in finished {
            onFinished()
            metrics.countDelivery(event: WebhookIngress.metricLabel(delivery.event), outcome: result.status.rawValue)
            var fields = ["status": result.status.rawValue]
            if let reason = result.reason { fields["reason"] = reason }
            if let path = result.fieldPath { fields["field"] = path }
            logger.with(["delivery.id": delivery.id, "event": delivery.event]).info("delivery finished", fields)
        }
    }
}
