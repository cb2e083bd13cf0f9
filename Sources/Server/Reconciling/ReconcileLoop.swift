public import Foundation
public import Reconcile
public import SlipwayCore

/// Reconciles every `interval` on a thread of its own, so a lost webhook never loses a deploy.
public final class ReconcileLoop: @unchecked Sendable {
    private let reconciler: Reconciler
    private let interval: TimeInterval
    private let runImmediately: Bool
    private let logger: Logger
    private let condition = NSCondition()
    private var stopping = false
    private var running = false

    public init(reconciler: Reconciler, interval: TimeInterval, runImmediately: Bool = true, logger: Logger) {
        self.runImmediately = runImmediately
        self.reconciler = reconciler
        self.interval = interval
        self.logger = logger
    }

    public func start() {
        condition.lock()
        running = true
        condition.unlock()
        let thread = Thread { [self] in loop() }
        thread.name = "slipway-reconcile"
        thread.start()
    }

    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        if !runImmediately { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
        while !stopping {
            condition.unlock()
            do {
                let result = try reconciler.reconcile(trigger: "reconcile")
                logger.debug("reconciled", ["changes": "\(result.plan.changes.count)", "queued": "\(result.enqueued.count)"])
            } catch {
                logger.error("reconcile failed", ["error": "\(error)"])
            }
            condition.lock()
            if !stopping { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }
}
