import Foundation
import SlipwayCore

/// Runs `work` once at start and then every `interval` (a day by default) on a thread of its own, logging what it did;
/// `stop()` waits for a run in progress. The retention jobs (evidence, store) and the snapshot schedule run on it.
final class PeriodicTask: @unchecked Sendable {
    private let name: String
    private let logger: Logger
    private let work: @Sendable () throws -> String
    /// Seconds between runs (a day for the retentions).
    private let interval: TimeInterval
    private let condition = NSCondition()
    private var stopping = false
    private var running = false

    init(name: String, interval: TimeInterval = 86_400, logger: Logger, work: @escaping @Sendable () throws -> String) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.work = work
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
                    logger.info("\(name) applied", ["result": try work()])
                } catch {
                    logger.warning("\(name) failed", ["error": "\(error)"])
                }
                condition.lock()
                if !stopping { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
            }
            running = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "slipway-" + name.replacingOccurrences(of: " ", with: "-")
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
