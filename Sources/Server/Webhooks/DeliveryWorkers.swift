public import Foundation
public import SlipwayCore
public import Store

/// A fixed set of threads that take deliveries from the journal and process them.
///
/// Workers wake when the ingress journals a delivery and otherwise every `pollInterval` (other
/// replicas' deliveries, expired leases of a worker that died). A delivery whose processing
/// failed goes back to the queue until `maxAttempts`, then stays `failed` for a person to replay.
public final class DeliveryWorkers: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var count: Int = 2
        public var lease: TimeInterval = 60
        public var pollInterval: TimeInterval = 1
        public var maxAttempts: Int = 5
        /// First retry delay after a failed attempt; doubles with each attempt.
        public var retryBase: TimeInterval = 1
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
        pool = PollingWorkers(name: "slipway-delivery", count: configuration.count, pollInterval: configuration.pollInterval) { [unowned self] owner in
            self.takeOne(owner: owner)
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

    /// Processes the oldest claimable delivery, if any.
    private func takeOne(owner: String) -> Bool {
        do {
            guard let delivery = try store.claimDelivery(owner: owner, lease: configuration.lease, now: Date()) else { return false }
            process(delivery, owner: owner)
            return true
        } catch {
            logger.error("could not read the journal", ["error": "\(error)"])
            return false
        }
    }

    private func process(_ delivery: DeliveryRecord, owner: String) {
        let log = logger.with(["delivery.id": delivery.id, "event": delivery.event])
        var result = processor.process(delivery, logger: log)
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
            return
        }
        if result.status == .failed {
            result = DeliveryResult(status: .failed, action: result.action,
                                    reason: "gave up after \(delivery.attempts) attempts: \(result.reason ?? "")")
        }
        do {
            try store.finishDelivery(id: delivery.id, owner: owner, result: result, now: Date())
        } catch {
            log.error("could not record the delivery result", ["error": "\(error)"])
        }
        onFinished()
        metrics.countDelivery(event: WebhookIngress.metricLabel(delivery.event), outcome: result.status.rawValue)
        var fields = ["status": result.status.rawValue]
        if let reason = result.reason { fields["reason"] = reason }
        if let path = result.fieldPath { fields["field"] = path }
        log.info("delivery finished", fields)
    }
}
