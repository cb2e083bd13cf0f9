import Evidence
import Foundation
import SlipwayCore

/// Applies the configured evidence retention once at start and then daily, on its own thread.
final class EvidenceRetention: @unchecked Sendable {
    private let pruner: EvidencePruner
    private let olderThan: TimeInterval
    private let compressAfter: TimeInterval?
    private let logger: Logger

    init(pruner: EvidencePruner, olderThan: TimeInterval, compressAfter: TimeInterval?, logger: Logger) {
        self.pruner = pruner
        self.olderThan = olderThan
        self.compressAfter = compressAfter
        self.logger = logger
        task = PeriodicTask(name: "evidence retention", logger: logger) { [unowned self] in "\(try self.pruner.prune(olderThan: self.olderThan, compressAfter: self.compressAfter))" }
    }

    /// Set once at the end of `init`.
    private var task: PeriodicTask?

    func start() { task?.start() }

    func stop() { task?.stop() }
}
