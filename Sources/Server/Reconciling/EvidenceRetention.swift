import Evidence
import Foundation
import SlipwayCore

/// Applies the configured evidence retention once at start and then daily, on its own thread.
final class EvidenceRetention: @unchecked Sendable {
    private let pruner: EvidencePruner
    private let olderThan: TimeInterval
    private let compressAfter: TimeInterval?
    private let logger: Logger
    private let condition = NSCondition()
    private var stopping = false
    private var running = false

    init(pruner: EvidencePruner, olderThan: TimeInterval, compressAfter: TimeInterval?, logger: Logger) {
        self.pruner = pruner
        self.olderThan = olderThan
        self.compressAfter = compressAfter
        self.logger = logger
    }

    func start() {
        condition.lock()
        running = true
        condition.unlock()
        let thread = Thread { [self] in
            condition.lock()
            while !stopping {
                condition.unlock()
                do {
                    let result = try pruner.prune(olderThan: olderThan, compressAfter: compressAfter)
                    logger.info("evidence retention applied", ["result": "\(result)"])
                } catch {
                    logger.warning("evidence retention failed", ["error": "\(error)"])
                }
                condition.lock()
                if !stopping { _ = condition.wait(until: Date().addingTimeInterval(86_400)) }
            }
            running = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "slipway-evidence-retention"
        thread.start()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }
}
