public import Foundation

/// A fixed set of threads that each call `work` in a loop: again at once when it did
/// something, otherwise after `pollInterval` or a `wake()`, whichever comes first. Used for the
/// delivery workers and the runner's job workers (blocking work on threads we own, never on
/// Swift's cooperative pool).
public final class PollingWorkers: @unchecked Sendable {
    public typealias Work = @Sendable (_ owner: String) -> Bool

    private let name: String
    private let count: Int
    private let pollInterval: TimeInterval
    private let work: Work
    private let niceness: Int32
    private let condition = NSCondition()
    private var wakeups = 0
    private var stopping = false
    private var running = 0

    /// - Parameter niceness: added to each thread's nice value (Linux keeps one per thread):
    ///   background work that must not take the CPU from a latency-sensitive path.
    /// - Parameter work: does one unit of work as `owner`; returns whether there was any.
    public init(name: String, count: Int, pollInterval: TimeInterval, niceness: Int32 = 0, work: @escaping Work) {
        self.niceness = niceness
        self.name = name
        self.count = max(1, count)
        self.pollInterval = pollInterval
        self.work = work
    }

    /// Starts the threads; worker `i` works as `<ownerPrefix><i>`.
    public func start(ownerPrefix: String) {
        for index in 0..<count {
            condition.lock()
            running += 1
            condition.unlock()
            let thread = Thread { [self] in loop(owner: "\(ownerPrefix)\(index)") }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// There is new work: look now instead of at the next poll.
    public func wake() {
        condition.lock()
        wakeups += 1
        condition.broadcast()
        condition.unlock()
    }

    public var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Stops taking work and waits for the work in hand. With a `deadline` (seconds), calls
    /// `onDeadline` (e.g. to cancel what still runs) once it passes, then waits for the rest.
    public func stop(deadline: TimeInterval? = nil, onDeadline: () -> Void = {}) {
        condition.lock()
        stopping = true
        condition.broadcast()
        if let deadline {
            let end = Date().addingTimeInterval(deadline)
            while running > 0 && Date() < end { _ = condition.wait(until: end) }
            if running > 0 {
                condition.unlock()
                onDeadline()
                condition.lock()
            }
        }
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func loop(owner: String) {
        if niceness != 0 {
            // Linux keeps the nice value per thread: `who` 0 is this thread only.
            errno = 0
            let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            if errno == 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, current + niceness) }
        }
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
            if work(owner) { continue }
            condition.lock()
            if !stopping && wakeups == 0 {
                _ = condition.wait(until: Date().addingTimeInterval(pollInterval))
            }
            condition.unlock()
        }
    }
}
