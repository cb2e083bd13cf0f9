import Foundation
public import SlipwayCore

/// Comment and status updates, written to the forge in the background so a forge outage never
/// blocks a deploy, with the latest state winning.
///
/// - `submit` never touches the network: it records the update (in memory and through the
///   persistence) and returns at once.
/// - Updates are keyed (`ForgeUpdateKey`: a comment per pull request, a status per sha and
///   context) and versioned (higher is newer). A submission not newer than the pending, in-flight
///   or applied version of its key is refused as stale; a newer one replaces the pending one, so
///   intermediate states may be skipped but an older state never overwrites a newer one.
/// - Worker threads (ours) send the earliest due update; one key is never in flight twice.
///   A failure is retried with exponential backoff (doubling from `initialBackoff` up to
///   `maxBackoff`, with jitter), or at the time a rate limit names. Configuration errors (401, 403,
///   404) are reported once by the client's reporter and retried at `maxBackoff` until
///   `giveUpAfter`, so granting the permission heals the pull request without a new push. Any
///   other 4xx (422 "validation failed", ...) ends the update at once with a logged reason.
///   `retryNow()` makes every pending update due (the forge is back after an outage).
///
/// Thread-safe (one lock guards the state; the persistence is called under it).
public final class ForgeUpdateQueue: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var workers: Int
        public var initialBackoff: Double
        public var maxBackoff: Double
        /// A key whose updates keep failing with configuration errors is dropped after this long.
        public var giveUpAfter: Double

        public init(workers: Int = 2, initialBackoff: Double = 1, maxBackoff: Double = 300, giveUpAfter: Double = 86_400) {
            self.workers = max(1, workers)
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.giveUpAfter = giveUpAfter
        }
    }

    /// The answer to `submit`.
    public enum Submission: Sendable, Equatable {
        /// Queued with this version.
        case queued(version: UInt64)
        /// Refused: the key already has this newer (or equal) version pending, in flight or applied.
        case stale(current: UInt64)
    }

    public let configuration: Configuration
    private let performer: any ForgeUpdatePerformer
    private let persistence: any ForgeUpdatePersistence
    private let logger: Logger
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [ForgeUpdateKey: ForgeUpdate] = [:]
    private var inFlight: [ForgeUpdateKey: UInt64] = [:]
    private var applied: [ForgeUpdateKey: UInt64] = [:]
    private var lastVersion: UInt64 = 0
    private var running = false
    private var liveWorkers = 0
    private var attemptsMade = 0
    private var refused = 0

    /// Loads the persisted state (pending updates resume when `start()` is called).
    public init(performer: any ForgeUpdatePerformer, persistence: any ForgeUpdatePersistence = InMemoryForgeUpdatePersistence(),
                configuration: Configuration = Configuration(), logger: Logger = .discarding) throws {
        self.performer = performer
        self.persistence = persistence
        self.configuration = configuration
        self.logger = logger
        let snapshot = try persistence.load()
        for update in snapshot.pending where update.version > (pending[update.key]?.version ?? 0) {
            pending[update.key] = update
        }
        applied = snapshot.applied
        lastVersion = max(snapshot.pending.map(\.version).max() ?? 0, snapshot.applied.values.max() ?? 0)
    }

    deinit {
        stop()
    }

    /// Starts the worker threads. Idempotent. The workers keep the queue alive: call `stop()`.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        for index in 0..<configuration.workers {
            liveWorkers += 1
            let thread = Thread { [self] in workerLoop() }
            thread.name = "forge-updates-\(index)"
            thread.start()
        }
    }

    /// Stops the workers after the updates in flight; pending updates stay persisted. Waits for
    /// the workers to exit for up to `timeout` seconds (a request in flight ends by its own timeout).
    public func stop(timeout: Double = 60) {
        condition.lock()
        running = false
        condition.broadcast()
        let deadline = Date().addingTimeInterval(timeout)
        while liveWorkers > 0, condition.wait(until: deadline) {}
        condition.unlock()
    }

    /// Queues `payload`. `version` nil takes the next number of the queue's own counter (enough
    /// for one replica); with several replicas pass a version from the store (e.g. a sequence)
    /// so that all replicas agree on what is newer.
    @discardableResult
    public func submit(_ payload: ForgeUpdatePayload, version: UInt64? = nil) -> Submission {
        condition.lock()
        defer { condition.unlock() }
        let key = payload.key
        let current = max(applied[key] ?? 0, inFlight[key] ?? 0, pending[key]?.version ?? 0)
        let chosen = version ?? max(lastVersion, current) + 1
        guard chosen > current else { return .stale(current: current) }
        lastVersion = max(lastVersion, chosen)
        let now = Date()
        let update = ForgeUpdate(version: chosen, payload: payload, notBefore: now, pendingSince: pending[key]?.pendingSince ?? now)
        pending[key] = update
        save(update)
        condition.broadcast()
        return .queued(version: chosen)
    }

    /// The pending updates (not in flight), for status output and tests.
    public var pendingUpdates: [ForgeUpdate] {
        condition.lock()
        defer { condition.unlock() }
        return pending.values.sorted { $0.version < $1.version }
    }

    /// The highest version of `key` that reached the forge.
    public func appliedVersion(_ key: ForgeUpdateKey) -> UInt64? {
        condition.lock()
        defer { condition.unlock() }
        return applied[key]
    }

    /// How many times the performer was called (successes and failures).
    public var attempts: Int {
        condition.lock()
        defer { condition.unlock() }
        return attemptsMade
    }

    /// How many updates ended because the forge refused them (a 4xx other than 401, 403, 404
    /// and rate limits).
    public var refusedUpdates: Int {
        condition.lock()
        defer { condition.unlock() }
        return refused
    }

    /// Forgets the applied versions of `keys` (the store retention removed them), unless an
    /// update of the key is pending or in flight. Keeps the in-memory map as bounded as the store.
    public func forgetApplied(_ keys: Set<ForgeUpdateKey>) {
        condition.lock()
        defer { condition.unlock() }
        for key in keys where pending[key] == nil && inFlight[key] == nil {
            applied[key] = nil
        }
    }

    /// How many keys have an applied version remembered (for tests and status output).
    public var appliedKeyCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return applied.count
    }

    /// Makes every pending update due now (the forge answers again after an outage: catch up
    /// instead of waiting out each update's backoff).
    public func retryNow() {
        condition.lock()
        defer { condition.unlock() }
        let now = Date()
        for (key, update) in pending where update.notBefore > now {
            pending[key]?.notBefore = now
        }
        condition.broadcast()
    }

    /// Whether nothing is pending or in flight.
    public var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return pending.isEmpty && inFlight.isEmpty
    }

    private func workerLoop() {
        condition.lock()
        while true {
            guard running else { break }
            let now = Date()
            let ready = pending.values.filter { inFlight[$0.key] == nil }
            guard let next = ready.min(by: { ($0.notBefore, $0.version) < ($1.notBefore, $1.version) }) else {
                condition.wait()
                continue
            }
            if next.notBefore > now {
                _ = condition.wait(until: next.notBefore)
                continue
            }
            pending[next.key] = nil
            inFlight[next.key] = next.version
            attemptsMade += 1
            condition.unlock()
            let result: ForgeError?
            do {
                try performer.perform(next.payload)
                result = nil
            } catch {
                result = error
            }
            condition.lock()
            inFlight[next.key] = nil
            if let error = result {
                failed(next, error)
            } else {
                applied[next.key] = max(applied[next.key] ?? 0, next.version)
                do {
                    try persistence.markApplied(key: next.key, version: next.version)
                } catch {
                    logger.error("could not persist a forge update", ["forge.key": next.key.description, "error": "\(error)"])
                }
            }
            condition.broadcast()
        }
        liveWorkers -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Schedules a retry of `update` after `error`, unless a newer version is already pending.
    private func failed(_ update: ForgeUpdate, _ error: ForgeError) {
        if let newer = pending[update.key], newer.version > update.version {
            remove(update)
            return
        }
        let now = Date()
        if error.isRefusal {
            // The same request would be refused again (422 and the like): end it, saying why.
            logger.error("the forge refused a forge update; it is dropped", [
                "forge.key": update.key.description, "forge.attempts": String(update.attempts + 1), "error": error.description,
            ])
            refused += 1
            remove(update)
            return
        }
        if error.isConfigurationError, now.timeIntervalSince(update.pendingSince) > configuration.giveUpAfter {
            logger.error("gave up a forge update", ["forge.key": update.key.description, "error": error.description])
            remove(update)
            return
        }
        var retry = update
        retry.attempts += 1
        retry.lastError = error.description
        let exponential = min(configuration.maxBackoff, configuration.initialBackoff * pow(2, Double(min(retry.attempts - 1, 30))))
        var delay = error.isConfigurationError ? configuration.maxBackoff : exponential * Double.random(in: 0.5...1)
        if case .rateLimited(let retryAt?) = error.kind { delay = max(delay, retryAt.timeIntervalSince(now)) }
        retry.notBefore = now.addingTimeInterval(delay)
        logger.warning("forge update failed; will retry", [
            "forge.key": update.key.description, "forge.attempts": String(retry.attempts),
            "forge.retry_in_seconds": String(format: "%.3f", delay), "error": error.description,
        ])
        pending[update.key] = retry
        save(retry)
    }

    private func save(_ update: ForgeUpdate) {
        do {
            try persistence.savePending(update)
        } catch {
            logger.error("could not persist a forge update", ["forge.key": update.key.description, "error": "\(error)"])
        }
    }

    private func remove(_ update: ForgeUpdate) {
        do {
            try persistence.removePending(key: update.key, version: update.version)
        } catch {
            logger.error("could not persist a forge update", ["forge.key": update.key.description, "error": "\(error)"])
        }
    }
}
