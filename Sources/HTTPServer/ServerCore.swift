import Foundation
import HTTPTypes
import Synchronization

/// What the C callbacks need, shared by every worker thread: the handler, the body limit, the
/// budget for bodies in flight, whether the server is stopping, and the count of requests in flight.
/// Immutable or atomic/locked state only: safe to use from several threads.
final class ServerCore: Sendable {
    let handler: @Sendable (HTTPRequest) -> HTTPResponse
    let maxBodySize: Int
    let bodyBudget: BodyBudget
    /// Set once `stop()` begins: responses then carry `Connection: close`.
    let stopping = Atomic<Bool>(false)
    let inFlight = InFlightRequests()

    init(handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse, maxBodySize: Int, maxBufferedBodyBytes: Int) {
        self.handler = handler
        self.maxBodySize = maxBodySize
        bodyBudget = BodyBudget(limit: maxBufferedBodyBytes)
    }
}

/// Counts requests between their first line and the completion callback, so a graceful stop can
/// wait for them. Locked by its condition: safe to use from several threads.
final class InFlightRequests: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0

    func begin() {
        condition.lock()
        count += 1
        condition.unlock()
    }

    func end() {
        condition.lock()
        count -= 1
        if count == 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Waits until no request is in flight or `timeout` seconds passed; true when idle.
    func waitUntilIdle(timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: max(0, timeout))
        condition.lock()
        defer { condition.unlock() }
        while count > 0 {
            if !condition.wait(until: deadline) { return count == 0 }
        }
        return true
    }
}
