import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import TestSupport
import Testing

@Suite("Forge refusals and what the client counts")
struct ForgeRefusalTests {
    @Test("a 422 ends the update with a logged reason instead of retrying it forever; later updates still go through")
    func refusedUpdateEnds() throws {
        let fake = FakeGitHub()
        try fake.start()
        let sha = String(repeating: "4", count: 40)
        let log = MemoryLog()
        let client = try Harness.client(fake, credentials: .token(fakeToken), clock: RecordingClock(), log: MemoryLog(),
                                        retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01))
        let queue = try ForgeUpdateQueue(performer: GitHubUpdatePerformer(client: client),
                                         configuration: .init(workers: 1, initialBackoff: 0.01, maxBackoff: 0.05),
                                         logger: Logger(sink: log, minimumLevel: .debug))
        queue.start()
        defer { queue.stop() }
        fake.failNext([.status(422)], pathContains: "/statuses/")
        queue.submit(.status(CommitStatusRequest(sha: sha, context: "slipway/pr-4", state: .pending, description: "Building")))
        try Eventually.wait(for: "the refused update to end") { queue.isIdle && queue.refusedUpdates == 1 }
        #expect(queue.attempts == 1, "never retried")
        #expect(fake.statuses(sha: sha).isEmpty)
        let line = try #require(log.all.first { $0.message.contains("refused") })
        #expect(line.metadata["error"]?.contains("422") == true)
        #expect(line.metadata["forge.key"] == "status:\(sha):slipway/pr-4")

        // Rate limits and 5xx are still retried; the next state reaches the forge.
        fake.failNext([.serverError(status: 502), .serverError(status: 502), .serverError(status: 502)], pathContains: "/statuses/")
        queue.submit(.status(CommitStatusRequest(sha: sha, context: "slipway/pr-4", state: .success, description: "Healthy")))
        // (The client counts a request once it has read the answer: wait for both.)
        try Eventually.wait(for: "the next status after a 5xx outage") {
            fake.statuses(sha: sha).map(\.state) == ["success"] && (client.statistics.snapshot.requests[.success] ?? 0) >= 1
        }
        #expect(queue.refusedUpdates == 1)
        let counts = client.statistics.snapshot.requests
        #expect(counts[.otherStatus] == 1)
        #expect((counts[.serverError] ?? 0) >= 3)
        #expect((counts[.success] ?? 0) >= 1)
    }

    @Test("the client counts requests by outcome and keeps the rate limit GitHub reported")
    func statisticsCountOutcomes() throws {
        let harness = try Harness(retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01))
        harness.fake.failNext([.rateLimit(resetAt: Int(harness.clock.now().timeIntervalSince1970) + 5)])
        _ = try harness.client.listOpenPullRequests()
        harness.fake.failNext([.status(404)])
        #expect(throws: ForgeError.self) { try harness.client.listOpenPullRequests() }
        let snapshot = harness.client.statistics.snapshot
        #expect(snapshot.requests[.rateLimited] == 1)
        #expect(snapshot.requests[.notFound] == 1)
        #expect(snapshot.requests[.success] == 1)
        #expect(snapshot.rateLimitRemaining == 0)
        #expect(snapshot.rateLimitLimit == 5000)
    }
}
