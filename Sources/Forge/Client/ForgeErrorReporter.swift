import Foundation
public import SlipwayCore
import Synchronization

/// Reports configuration errors (401, 403, 404) once per operation instead of on every retry:
/// the first refusal of an operation is logged at `error` level; repeats are silent until the
/// operation succeeds again (then a new refusal is reported again). Thread-safe.
public final class ForgeErrorReporter: Sendable {
    private let logger: Logger
    private let state = Mutex<(reported: Set<ForgeOperation>, history: [ForgeError])>(([], []))

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Logs `error` when it is a configuration error not yet reported for its operation.
    /// Returns whether it was logged now.
    @discardableResult
    public func report(_ error: ForgeError) -> Bool {
        guard error.isConfigurationError else { return false }
        let isNew = state.withLock { state in
            guard !state.reported.contains(error.operation) else { return false }
            state.reported.insert(error.operation)
            state.history.append(error)
            return true
        }
        if isNew {
            var metadata = ["forge.operation": error.operation.rawValue, "forge.permission": error.permission]
            if let repository = error.repository { metadata["forge.repo"] = repository.description }
            logger.error(error.description, metadata)
        }
        return isNew
    }

    /// Marks `operation` as working again, so a later refusal is reported anew.
    public func succeeded(_ operation: ForgeOperation) {
        state.withLock { state in
            if state.reported.contains(operation) { state.reported.remove(operation) }
        }
    }

    /// Every error reported so far, in order (for tests and `slipway doctor`).
    public var reported: [ForgeError] {
        state.withLock { $0.history }
    }
}
