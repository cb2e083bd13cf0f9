import Foundation
import SlipwayCore
import Synchronization
import Testing

@Suite("Polling workers")
struct PollingWorkersTests {
    @Test("worker threads run at the niceness asked for; the thread that started them keeps its own", .timeLimit(.minutes(1)))
    func niceness() {
        let own = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let seen = Mutex<[Int32]>([])
        let bothRan = DispatchSemaphore(value: 0)
        let pool = PollingWorkers(name: "slipway-test-nice", count: 2, pollInterval: 60, niceness: 5) { _ in
            let priority = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            if seen.withLock({ $0.append(priority); return $0.count }) == 2 { bothRan.signal() }
            return false
        }
        pool.start(ownerPrefix: "t/")
        bothRan.wait()
        pool.stop()
        #expect(seen.withLock { $0 }.allSatisfy { $0 == min(own + 5, 19) })
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == own)
    }
}
