public import Foundation
public import Reconcile
public import SlipwayCore

/// The one reconcile driver of the managed repository: deliveries mark it dirty, and it runs one
/// reconcile at a time that covers every mark made before that reconcile started. A mark made
/// while a reconcile runs makes it run once more afterwards. Marks are held (at most `maxDelay`
/// after the oldest) while deliveries still wait in the journal, and during a burst (several
/// marks, or marks made while a reconcile ran) until none came for `quiet`, so a burst is planned
/// once it is in; a lone delivery on a quiet repository is reconciled at once. Level-triggered: it also reconciles every `interval`, so a lost webhook never loses a
/// deploy, and after a failed reconcile it tries again sooner (1 s, 2 s, 4 s, ... up to `interval`).
///
/// Thread-safe. Runs on a thread of its own; `markDirty` never waits for a reconcile.
public final class ReconcileLoop: @unchecked Sendable {
    private let reconciler: Reconciler
    private let interval: TimeInterval
    private let runImmediately: Bool
    private let maxDelay: TimeInterval
    /// Whether deliveries wait in (or are being processed from) the journal; nil: never hold
    /// marks back.
    private let backlog: (@Sendable () -> Bool)?
    private let metrics: Metrics?
    private let logger: Logger
    private let condition = NSCondition()
    private var stopping = false
    private var running = false
    /// Marks so far; those up to `started` were picked up by the reconcile running or last run,
    /// those up to `finished` are covered by a reconcile that has finished.
    private var requested: UInt64 = 0
    private var started: UInt64 = 0
    private var finished: UInt64 = 0
    /// When the oldest mark not yet picked up was made, and the newest mark's trigger.
    private var firstWaitingMark: Date?
    private var latestTrigger: String?
    private var failures = 0
    /// When the newest mark was made; whether a reconcile runs now, and whether marks came in
    /// while one ran (a burst).
    private var lastMark: Date?
    private var reconciling = false
    private var markedWhileReconciling = false

    /// How often held marks look at the journal again without a `journalChanged()` (deliveries
    /// of other replicas, expired leases).
    static let backlogPoll: TimeInterval = 0.25
    /// How long a burst must fall silent before its marks run.
    static let quiet: TimeInterval = 0.25

    public init(reconciler: Reconciler, interval: TimeInterval, runImmediately: Bool = true, maxDelay: TimeInterval = 5,
                backlog: (@Sendable () -> Bool)? = nil, metrics: Metrics? = nil, logger: Logger) {
        self.runImmediately = runImmediately
        self.reconciler = reconciler
        self.interval = interval
        self.maxDelay = maxDelay
        self.backlog = backlog
        self.metrics = metrics
        self.logger = logger
    }

    public func start() {
        condition.lock()
        guard !running, !stopping else {
            condition.unlock()
            return
        }
        running = true
        condition.unlock()
        let thread = Thread { [self] in loop() }
        thread.name = "slipway-reconcile"
        thread.start()
    }

    /// Stops the loop: a reconcile in progress finishes, and marks nobody has picked up yet get
    /// one last reconcile (a delivery marked processed is never left unplanned by a stop).
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    /// Something changed (a delivery was recorded): reconcile soon. `trigger` (`delivery:<id>`)
    /// is what the jobs of that reconcile say queued them; the newest mark's wins. Never waits.
    public func markDirty(trigger: String) {
        condition.lock()
        requested += 1
        let now = Date()
        if firstWaitingMark == nil { firstWaitingMark = now }
        lastMark = now
        if reconciling { markedWhileReconciling = true }
        latestTrigger = trigger
        metrics?.setReconcileMarksWaiting(Int(requested - started))
        condition.broadcast()
        condition.unlock()
    }

    /// A delivery left the journal (processed, ignored or failed): held marks look again at
    /// whether the burst is in.
    public func journalChanged() {
        condition.lock()
        if requested > started { condition.broadcast() }
        condition.unlock()
    }

    /// Waits until every mark made before this call is covered by a finished reconcile; false
    /// when `timeout` passed first or the loop stopped (or never started).
    @discardableResult
    public func waitUntilReconciled(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        let target = requested
        while finished < target && running {
            if !condition.wait(until: deadline) { break }
        }
        return finished >= target
    }

    private func loop() {
        condition.lock()
        var nextTick = runImmediately ? Date() : Date().addingTimeInterval(interval)
        while true {
            let marked = requested > started
            if stopping && !marked { break }
            let now = Date()
            if !stopping {
                if !marked && now < nextTick {
                    _ = condition.wait(until: nextTick)
                    continue
                }
                if marked && now < nextTick, let held = holdUntil(now: now) {
                    _ = condition.wait(until: held)
                    continue
                }
            }
            // Run: this reconcile covers every mark made so far.
            let covering = requested
            let marks = Int(covering - started)
            let trigger = marks > 0 ? (latestTrigger ?? "reconcile") : "reconcile"
            started = covering
            firstWaitingMark = nil
            latestTrigger = nil
            reconciling = true
            markedWhileReconciling = false
            metrics?.setReconcileMarksWaiting(0)
            condition.unlock()

            let begin = DispatchTime.now().uptimeNanoseconds
            var succeeded = true
            do {
                let result = try reconciler.reconcile(trigger: trigger)
                logger.debug("reconciled", ["changes": "\(result.plan.changes.count)", "queued": "\(result.enqueued.count)",
                                            "marks": "\(marks)", "trigger": trigger])
            } catch {
                succeeded = false
                logger.error("reconcile failed", ["error": "\(error)", "marks": "\(marks)"])
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
            metrics?.observeReconcile(cause: marks > 0 ? "delivery" : "tick", succeeded: succeeded, seconds: seconds, marks: marks)

            condition.lock()
            finished = covering
            reconciling = false
            failures = succeeded ? 0 : failures + 1
            let delay = succeeded ? interval : min(interval, pow(2, Double(min(failures, 20) - 1)))
            nextTick = Date().addingTimeInterval(delay)
            condition.broadcast()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// When marks waiting now should run, if not at once: during a burst, until no mark came for
    /// `quiet`; while deliveries still wait in the journal, until they are in; never later than
    /// `maxDelay` after the oldest mark. Called with the condition's lock held; asks the journal
    /// without it.
    private func holdUntil(now: Date) -> Date? {
        guard let first = firstWaitingMark else { return nil }
        let limit = first.addingTimeInterval(maxDelay)
        guard now < limit else { return nil }
        if requested - started > 1 || markedWhileReconciling, let lastMark, now < lastMark.addingTimeInterval(Self.quiet) {
            return min(limit, lastMark.addingTimeInterval(Self.quiet))
        }
        guard let backlog else { return nil }
        condition.unlock()
        let waiting = backlog()
        condition.lock()
        guard waiting else { return nil }
        return min(limit, now.addingTimeInterval(Self.backlogPoll))
    }
}
