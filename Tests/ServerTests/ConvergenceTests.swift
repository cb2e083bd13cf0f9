import Foundation
import Server
import SlipwayCore
import Store
import Testing
import TestSupport

/// One repository with PR #2 (the fixture payloads' number) from `feature` into `main`, and the
/// fixture deliveries rewritten to point at it.
struct Scenario {
    let git: GitFixture
    let main: String
    let head: String

    init() throws {
        git = try GitFixture()
        main = try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        head = try git.commit("feature", ["app.txt": "v1"])
        try git.setPullHead(2, head)
    }

    /// A pull_request fixture with its head, base, draft flag and updated_at set for this repo.
    func payload(_ fixture: String, action: String? = nil, draft: Bool, updatedAt: String) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: TestBot.fixture(fixture)) as! [String: Any]
        if let action { object["action"] = action }
        var pr = object["pull_request"] as! [String: Any]
        var headRef = pr["head"] as! [String: Any]
        headRef["sha"] = head
        headRef["ref"] = "feature"
        var base = pr["base"] as! [String: Any]
        base["ref"] = "main"
        pr["head"] = headRef
        pr["base"] = base
        pr["draft"] = draft
        pr["updated_at"] = updatedAt
        object["pull_request"] = pr
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// The pending jobs of a bot, as comparable text.
    static func pending(_ bot: TestBot) throws -> [String] {
        try bot.app.store.pendingJobs().map { "\($0.kind.rawValue) \($0.environment) \($0.sha ?? "") \($0.contentID ?? "")" }.sorted()
    }
}

@Suite("Webhooks, reconcile alone, duplicates and reordering converge")
struct ConvergenceTests {
    @Test("the same state reached four ways plans the same jobs")
    func fourWaysAgree() throws {
        let scenario = try Scenario()
        let opened = try scenario.payload("pull_request.opened.json", draft: true, updatedAt: "2026-11-01T10:00:00Z")
        let ready = try scenario.payload("pull_request.opened.json", action: "ready_for_review", draft: false, updatedAt: "2026-11-01T10:05:00Z")

        // 1. Webhooks, in order (no reconcile at start: the deliveries drive it).
        let inOrder = try TestBot(handler: nil, repo: scenario.git.path, reconcileAtStart: false)
        #expect(try inOrder.deliver(event: "pull_request", id: "a-1", body: opened).status == 202)
        #expect(try inOrder.finished("a-1").status == .processed)
        #expect(try inOrder.app.store.pendingJobs().map(\.environment) == ["staging"], "a draft gets no preview")
        #expect(try inOrder.deliver(event: "pull_request", id: "a-2", body: ready).status == 202)
        #expect(try inOrder.finished("a-2").status == .processed)
        let expected = try Scenario.pending(inOrder)
        #expect(expected.count == 2)
        #expect(expected.contains { $0.hasPrefix("deploy pr-2 \(scenario.head)") })
        #expect(expected.contains { $0.hasPrefix("deploy staging \(scenario.main)") })

        // 2. Reconcile alone, from git (no webhook, no forge): the PR exists only as a ref, of
        // unknown provenance (GitHub keeps such refs for forks too), so only staging is planned.
        let alone = try TestBot(handler: nil, repo: scenario.git.path, reconcileAtStart: true)
        try Eventually.wait(for: "the start-up reconcile to queue jobs") { try Scenario.pending(alone).count == 1 }
        #expect(try Scenario.pending(alone) == expected.filter { $0.hasPrefix("deploy staging") })
        #expect(try alone.app.store.pullRequests().map(\.provenance) == [.unknown])

        // 3. Duplicated webhooks: a redelivery (same id), and the same signed body replayed under
        // a new id (answered 200 duplicate, never journaled: the signature covers no id).
        let duplicated = try TestBot(handler: nil, repo: scenario.git.path, reconcileAtStart: false)
        for (id, body) in [("c-1", opened), ("c-1", opened), ("c-2", ready), ("c-2", ready)] {
            let status = try duplicated.deliver(event: "pull_request", id: id, body: body).status
            #expect(status == 202 || status == 200)
        }
        let replay = try duplicated.deliver(event: "pull_request", id: "c-3", body: ready)
        #expect(replay.status == 200)
        #expect(String(decoding: replay.body, as: UTF8.self).contains("\"status\":\"duplicate\""))
        for id in ["c-1", "c-2"] { #expect(try duplicated.finished(id).status == .processed) }
        #expect(try duplicated.app.store.delivery(id: "c-3") == nil)
        #expect(try Scenario.pending(duplicated) == expected)

        // 4. Wrong order: the newer event first; the older one must not make the PR a draft again.
        let reordered = try TestBot(handler: nil, repo: scenario.git.path, reconcileAtStart: false)
        #expect(try reordered.deliver(event: "pull_request", id: "d-2", body: ready).status == 202)
        #expect(try reordered.finished("d-2").status == .processed)
        #expect(try reordered.deliver(event: "pull_request", id: "d-1", body: opened).status == 202)
        #expect(try reordered.finished("d-1").status == .processed)
        #expect(try Scenario.pending(reordered) == expected)
        #expect(try reordered.app.store.pullRequests().first?.isDraft == false)
    }

    @Test("a push webhook wakes a reconcile that picks up the new main")
    func pushWakesReconcile() throws {
        let scenario = try Scenario()
        let bot = try TestBot(handler: nil, repo: scenario.git.path, reconcileAtStart: false)
        let newMain = try scenario.git.commit("main", ["app.txt": "main v2"])
        var object = try JSONSerialization.jsonObject(with: TestBot.fixture("push.branch-updated.json")) as! [String: Any]
        object["ref"] = "refs/heads/main"
        object["after"] = newMain
        #expect(try bot.deliver(event: "push", id: "p-1", body: JSONSerialization.data(withJSONObject: object)).status == 202)
        #expect(try bot.finished("p-1").status == .processed)
        #expect(try bot.app.store.pendingJobs().contains { $0.environment == "staging" && $0.sha == newMain })
    }
    @Test("1,000 deliveries about 100 PRs sent at once run fewer than 10 reconciles and plan the jobs sent one by one plan")
    func burstCoalesces() throws {
        let burst = try Burst(pullRequests: 100, deliveriesPerPullRequest: 10)

        // One by one: each delivery is processed and reconciled before the next is sent.
        let oneByOne = try TestBot(handler: nil, repo: burst.git.path, reconcileAtStart: false, runnerWorkers: 0)
        for (id, body) in burst.deliveries {
            #expect(try oneByOne.deliver(event: "pull_request", id: id, body: body).status == 202)
            #expect(try oneByOne.finished(id).status == .processed)
        }
        let expected = try Scenario.pending(oneByOne)
        #expect(expected.count == 91, "90 ready PRs and staging get a deploy (10 are drafts): \(expected.count)")
        #expect(oneByOne.app.metrics.reconcileCount >= 100, "one by one, every delivery is reconciled on its own")

        // All at once, over 16 connections: the deliveries mark the repository dirty and a
        // handful of reconciles plan them.
        let atOnce = try TestBot(handler: nil, repo: burst.git.path, reconcileAtStart: false, runnerWorkers: 0)
        let statuses = Statuses()
        let deliveries = burst.deliveries
        DispatchQueue.concurrentPerform(iterations: 16) { lane in
            for index in stride(from: lane, to: deliveries.count, by: 16) {
                let (id, body) = deliveries[index]
                statuses.add((try? atOnce.deliver(event: "pull_request", id: id, body: body).status) ?? -1)
            }
        }
        #expect(statuses.all == [202: deliveries.count], "every delivery is journaled once")
        try Eventually.wait(for: "the journal to drain", timeout: 120) { try atOnce.app.store.journalDepth() == 0 }
        #expect(atOnce.app.waitUntilReconciled(timeout: 120))
        let processed = try atOnce.app.store.deliveries(limit: 2000).filter { $0.status == .processed }.count
        #expect(processed == deliveries.count)
        let reconciles = atOnce.app.metrics.reconcileCount
        #expect(reconciles >= 1 && reconciles < 10, "a burst of \(deliveries.count) deliveries ran \(reconciles) reconciles")
        #expect(atOnce.app.metrics.coalescedMarkCount >= deliveries.count - reconciles)
        #expect(try Scenario.pending(atOnce) == expected)
        let metrics = String(decoding: try atOnce.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains("slipway_reconciles_total{cause=\"delivery\",outcome=\"succeeded\"} \(reconciles)"))
        #expect(metrics.contains("slipway_reconcile_duration_seconds_count \(reconciles)"))
        #expect(metrics.contains("slipway_reconcile_marks_total \(deliveries.count)"))
        #expect(metrics.contains("slipway_reconcile_marks_waiting 0"))
    }
}

/// A repository with `pullRequests` PRs from ten feature heads into `main`, and for each PR
/// `deliveriesPerPullRequest` signed `pull_request` deliveries (unique bodies) whose
/// `updated_at` orders them: opened as a draft, ready for review at the fourth, then updated;
/// every tenth PR stays a draft.
struct Burst {
    let git: GitFixture
    let deliveries: [(id: String, body: Data)]

    init(pullRequests: Int, deliveriesPerPullRequest: Int) throws {
        git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        var heads: [String] = []
        for index in 0..<10 {
            try git.branch("feature-\(index)")
            heads.append(try git.commit("feature-\(index)", ["app.txt": "feature \(index)"]))
        }
        let template = try JSONSerialization.jsonObject(with: TestBot.fixture("pull_request.opened.json")) as! [String: Any]
        var deliveries: [(String, Data)] = []
        for number in 1...pullRequests {
            let head = heads[number % heads.count]
            try git.setPullHead(number, head)
            for step in 0..<deliveriesPerPullRequest {
                let draft = number % 10 == 0 || step < 3
                var object = template
                object["action"] = step == 0 ? "opened" : step == 3 && !draft ? "ready_for_review" : "synchronize"
                object["number"] = number
                object["slipway_test_nonce"] = "burst-\(number)-\(step)"
                var pr = object["pull_request"] as! [String: Any]
                var headRef = pr["head"] as! [String: Any]
                headRef["sha"] = head
                headRef["ref"] = "feature-\(number % heads.count)"
                var base = pr["base"] as! [String: Any]
                base["ref"] = "main"
                pr["head"] = headRef
                pr["base"] = base
                pr["number"] = number
                pr["draft"] = draft
                pr["updated_at"] = String(format: "2026-11-01T10:%02d:00Z", step)
                object["pull_request"] = pr
                deliveries.append(("burst-\(number)-\(step)", try JSONSerialization.data(withJSONObject: object)))
            }
        }
        // Interleaved as a busy repository sends them: every PR's first delivery, then every second...
        self.deliveries = (0..<deliveriesPerPullRequest).flatMap { step in
            (0..<pullRequests).map { deliveries[$0 * deliveriesPerPullRequest + step] }
        }
    }
}

/// HTTP statuses counted from several threads.
final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int: Int] = [:]

    func add(_ status: Int) {
        lock.lock()
        counts[status, default: 0] += 1
        lock.unlock()
    }

    var all: [Int: Int] {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }
}
