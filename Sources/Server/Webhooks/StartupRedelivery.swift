import Foundation
import Synchronization

/// Runs one `HookRedelivery` pass on a thread of its own once the bot listens (the redelivered
/// webhooks then find it up); `stop()` makes it stop between redeliveries and waits for it.
final class StartupRedelivery: Sendable {
    private let redelivery: HookRedelivery
    private let state = Mutex<(stopping: Bool, summary: HookRedelivery.Summary?)>((false, nil))
    private let finished = DispatchSemaphore(value: 0)
    private let started = Mutex(false)

    init(redelivery: HookRedelivery) {
        self.redelivery = redelivery
    }

    func start() {
        guard started.withLock({ let was = $0; $0 = true; return !was }) else { return }
        let thread = Thread { [self] in
            let summary = redelivery.run(shouldStop: { state.withLock { $0.stopping } })
            state.withLock { $0.summary = summary }
            finished.signal()
        }
        thread.name = "slipway-redelivery"
        thread.start()
    }

    /// The pass's summary once it ended; nil when `timeout` seconds passed first (or it never started).
    func wait(timeout: Double) -> HookRedelivery.Summary? {
        guard started.withLock({ $0 }) else { return nil }
        if let done = state.withLock({ $0.summary }) { return done }
        guard finished.wait(timeout: .now() + timeout) == .success else { return nil }
        finished.signal()
        return state.withLock { $0.summary }
    }

    func stop() {
        state.withLock { $0.stopping = true }
        _ = wait(timeout: 60)
    }
}
