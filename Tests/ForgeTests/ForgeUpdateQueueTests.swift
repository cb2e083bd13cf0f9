import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import Synchronization
import TestSupport
import Testing

/// Records what reached the "forge"; can be told to fail or to block.
final class ScriptedPerformer: ForgeUpdatePerformer {
    let state = Mutex<(performed: [ForgeUpdatePayload], failuresLeft: Int)>(([], 0))
    let gate = NSCondition()
    nonisolated(unsafe) var blocked = false

    func perform(_ payload: ForgeUpdatePayload) throws(ForgeError) {
        gate.lock()
        while blocked { gate.wait() }
        gate.unlock()
        let fail = state.withLock { state in
            if state.failuresLeft > 0 { state.failuresLeft -= 1; return true }
            state.performed.append(payload)
            return false
        }
        if fail { throw ForgeError(kind: .serverError(status: 502), repository: nil, operation: .createStatus, detail: "Bad Gateway") }
    }

    func block() { gate.lock(); blocked = true; gate.unlock() }
    func unblock() { gate.lock(); blocked = false; gate.broadcast(); gate.unlock() }
    var performed: [ForgeUpdatePayload] { state.withLock { $0.performed } }
}

@Suite("Forge update queue")
struct ForgeUpdateQueueTests {
    let fast = ForgeUpdateQueue.Configuration(workers: 2, initialBackoff: 0.01, maxBackoff: 0.05)

    func status(_ state: CommitStatusRequest.State, _ description: String) -> ForgeUpdatePayload {
        .status(CommitStatusRequest(sha: String(repeating: "a", count: 40), context: "slipway/pr-1", state: state, description: description))
    }

    @Test("an older update never overwrites a newer one, and intermediate states may be skipped")
    func latestWins() throws {
        let performer = ScriptedPerformer()
        let queue = try ForgeUpdateQueue(performer: performer, configuration: fast)
        performer.block()
        queue.start()
        #expect(queue.submit(status(.pending, "Building"), version: 10) == .queued(version: 10))
        try Eventually.wait(for: "the first update in flight") { queue.attempts == 1 }
        #expect(queue.submit(status(.pending, "Deploying"), version: 11) == .queued(version: 11))
        #expect(queue.submit(status(.success, "Healthy"), version: 13) == .queued(version: 13))
        #expect(queue.submit(status(.failure, "late and old"), version: 12) == .stale(current: 13))
        #expect(queue.submit(status(.failure, "in flight"), version: 10) == .stale(current: 13))
        #expect(queue.submit(.comment(pullRequest: 1, body: "c1")) == .queued(version: 14))
        performer.unblock()
        try Eventually.wait(for: "the queue to drain") { queue.isIdle }
        queue.stop()
        let statuses = performer.performed.compactMap { payload -> String? in
            if case .status(let status) = payload { return status.description }
            return nil
        }
        #expect(statuses == ["Building", "Healthy"])
        #expect(queue.appliedVersion(.status(sha: String(repeating: "a", count: 40), context: "slipway/pr-1")) == 13)
        #expect(queue.submit(status(.pending, "replayed job"), version: 13) == .stale(current: 13))
    }

    @Test("a forge outage never blocks the caller; failed updates are retried until the forge is back")
    func outageDoesNotBlock() throws {
        let fake = FakeGitHub()
        try fake.start()
        fake.addPullRequest(number: 3, headSHA: String(repeating: "3", count: 40))
        let client = try Harness.client(fake, credentials: .token(fakeToken), clock: RecordingClock(), log: MemoryLog(),
                                        retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01))
        let queue = try ForgeUpdateQueue(performer: GitHubUpdatePerformer(client: client), configuration: fast)
        queue.start()
        defer { queue.stop() }
        // Slow answers, then an outage of 500s.
        fake.failNext([.delay(seconds: 1.5)] + Array(repeating: .serverError(status: 500), count: 12))
        let started = Date()
        for round in 1...20 {
            queue.submit(.comment(pullRequest: 3, body: "<!-- slipway:pr-comment -->\nround \(round)"))
        }
        #expect(Date().timeIntervalSince(started) < 0.5, "submit returns at once")
        try Eventually.wait(for: "the final comment", timeout: 20) {
            queue.isIdle && fake.comments(onIssue: 3).map(\.body) == ["<!-- slipway:pr-comment -->\nround 20"]
        }
        #expect(fake.requests.filter { $0.method == "POST" || $0.method == "PATCH" }.count <= 3, "old rounds were skipped")
    }

    @Test("pending updates survive a restart through the persistence")
    func persistence() throws {
        let storage = InMemoryForgeUpdatePersistence()
        let performer = ScriptedPerformer()
        let first = try ForgeUpdateQueue(performer: performer, persistence: storage, configuration: fast)
        first.submit(.comment(pullRequest: 4, body: "v1"))
        first.submit(.comment(pullRequest: 4, body: "v2"))
        first.submit(status(.pending, "Building"))
        // Never started: a crash before anything was sent.
        #expect(try storage.load().pending.count == 2)

        let second = try ForgeUpdateQueue(performer: performer, persistence: storage, configuration: fast)
        #expect(second.submit(.comment(pullRequest: 4, body: "v0"), version: 1) == .stale(current: 2))
        second.start()
        try Eventually.wait(for: "the restored updates") { second.isIdle }
        second.stop()
        #expect(performer.performed.count == 2)
        #expect(performer.performed.contains(.comment(pullRequest: 4, body: "v2")))
        let snapshot = try storage.load()
        #expect(snapshot.pending.isEmpty)
        #expect(snapshot.applied[.comment(pullRequest: 4)] == 2)
        #expect(second.submit(.comment(pullRequest: 4, body: "v3")) == .queued(version: 4))
    }

    @Test("failures are retried with growing backoff and the failure is kept for display")
    func retries() throws {
        let performer = ScriptedPerformer()
        performer.state.withLock { $0.failuresLeft = 3 }
        let queue = try ForgeUpdateQueue(performer: performer, configuration: fast)
        queue.start()
        defer { queue.stop() }
        queue.submit(status(.success, "Healthy"))
        try Eventually.wait(for: "the update after three failures") { performer.performed.count == 1 }
        #expect(queue.attempts == 4)
        #expect(queue.pendingUpdates.isEmpty)
    }
}
