import Demo
import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import Store
import Synchronization
import Testing
import TestSupport

/// Forge time that moves only when the test (or a retry's wait) says so.
final class SimulatedForgeClock: ForgeClock {
    private let current = Mutex(Date())
    func now() -> Date { current.withLock { $0 } }
    func sleep(seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(max(0, seconds)) } }
    func advance(_ seconds: Double) { sleep(seconds: seconds) }
}

@Suite("The forge down, end to end")
struct ForgeOutageTests {
    @Test("the forge down for an hour (5xx, rate limit, 404): no environment destroyed, staging deployed on the merge; back, the bot catches up and the teardown status drops the dead URL")
    func forgeDownForAnHour() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-e2e")
        let clock = SimulatedForgeClock()
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, forgeClock: clock)
        defer { s.shutdown() }
        try s.waitFor("staging", .healthy, sha: try s.repository.head("main"))
        let first = try s.openPullRequest(1, branch: "feature", greeting: "Hello one")
        let preview = try s.waitFor("pr-1", .healthy, sha: first)
        let url = try #require(preview.url)
        _ = try s.waitForComment(on: 1) { $0.contains(String(first.prefix(12))) && $0.contains("healthy") }
        try Eventually.wait(for: "the preview's success status", timeout: 30) {
            s.forge.statuses(sha: first).last { $0.context == "slipway/pr-1" }?.targetURL == url
        }
        let reconciler = try #require(s.bot.reconciler)

        // Down. The PR is merged meanwhile: the webhooks arrive, the forge cannot list PRs.
        s.forge.setOutage(.serverError(status: 503))
        let merged = try s.mergePullRequest(1, branch: "feature")
        try s.waitFor("staging", .healthy, sha: merged, timeout: 120)
        let outages: [FakeGitHub.Failure] = [.serverError(status: 502), .rateLimit(resetAt: Int(clock.now().timeIntervalSince1970) + 7200), .status(404)]
        for step in 0..<12 {
            s.forge.setOutage(outages[step / 4])
            clock.advance(300)
            let result = try reconciler.reconcile(trigger: "tick", now: clock.now())
            #expect(result.plan.pullRequestsUnknown != nil)
            #expect(result.enqueued.isEmpty, "nothing is created or torn down from a guess")
        }
        #expect(try s.store.environment(named: "pr-1")?.status == .healthy)
        #expect(try s.fetch(url).0 == 200, "the preview still answers after an hour without the forge")
        #expect(try s.store.jobs(limit: 100).filter { $0.kind == .teardown }.isEmpty)
        #expect(s.comment(on: 1)?.contains("torn down") == false)

        // Back: the listing says PR 1 is closed; its preview goes, the queued updates catch up.
        s.forge.setOutage(nil)
        #expect(try reconciler.reconcile(trigger: "tick").enqueued.map { "\($0.kind.rawValue) \($0.environment)" } == ["teardown pr-1"])
        try s.waitFor("pr-1", .tornDown)
        _ = try s.waitForComment(on: 1) { $0.contains("torn down") }
        try Eventually.wait(for: "the staging status of the merge", timeout: 30) {
            s.forge.statuses(sha: merged).contains { $0.context == "slipway/staging" && $0.state == "success" }
        }
        try Eventually.wait(for: "the teardown status", timeout: 30) {
            s.forge.statuses(sha: first).last { $0.context == "slipway/pr-1" }?.description == "Environment torn down"
        }
        let last = try #require(s.forge.statuses(sha: first).last { $0.context == "slipway/pr-1" })
        #expect(last.state == "success")
        #expect(last.targetURL == nil, "no link to a dead URL")
    }
}
