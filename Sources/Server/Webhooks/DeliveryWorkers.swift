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
    private let condition = NSCondition()
    private var wakeups = 0
    private var stopping = false
    private var running = 0

    public init(store: any Store, processor: DeliveryProcessor, metrics: Metrics, logger: Logger, configuration: Configuration = Configuration()) {
        self.store = store
        self.processor = processor
        self.metrics = metrics
        self.logger = logger
        self.configuration = configuration
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
        for index in 0..<max(1, configuration.count) {
            condition.lock()
            running += 1
            condition.unlock()
            let thread = Thread { [self] in self.loop(owner: "\(configuration.instance)/\(index)") }
            thread.name = "slipway-delivery-\(index)"
            thread.start()
        }
    }

    /// Wakes a worker: there is something new in the journal.
    public func wake() {
        condition.lock()
        wakeups += 1
        condition.signal()
        condition.unlock()
    }

    /// Stops taking new deliveries and waits for the ones in progress.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func loop(owner: String) {
        defer {
            condition.lock()
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
        while true {
            condition.lock()
            if stopping { condition.unlock(); return }
            wakeups = 0
            condition.unlock()

            var didWork = false
            do {
                if let delivery = try store.claimDelivery(owner: owner, lease: configuration.lease, now: Date()) {
                    didWork = true
                    process(delivery, owner: owner)
                }
            } catch {
                logger.error("could not read the journal", ["error": "\(error)"])
            }
            if didWork { continue }

            condition.lock()
            if !stopping && wakeups == 0 {
                _ = condition.wait(until: Date().addingTimeInterval(configuration.pollInterval))
            }
            condition.unlock()
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
        metrics.countDelivery(event: WebhookIngress.metricLabel(delivery.event), outcome: result.status.rawValue)
        var fields = ["status": result.status.rawValue]
        if let reason = result.reason { fields["reason"] = reason }
        if let path = result.fieldPath { fields["field"] = path }
        log.info("delivery finished", fields)
    }
}
