import Foundation
import Reconcile
import SlipwayCore
import Store
import Testing
import TestSupport

struct ForgeDown: Error, CustomStringConvertible {
    var description: String { "forge: could not list open pull requests: GitHub answered 503 on every attempt" }
}

@Suite("Reconcile through outages")
struct OutageTests {
    @Test("a failed PR listing keeps every preview as it is, closes no PR and still deploys staging; the forge back, a closed PR is torn down")
    func forgeOutageKeepsPreviews() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["app/index.html": "<h1>feature</h1>\n"])
        try git.setPullHead(3, head)
        let forge = ListedPullRequests()
        forge.open = [PullRequestRecord(number: 3, state: .open, headSHA: head, baseRef: "main", provenance: .sameRepository,
                                        headSeenAt: Date(), updatedAt: "2026-01-01T00:00:00Z")]
        let h = try Harness(git, forge: forge)
        #expect(try h.reconcile().sorted() == ["deploy pr-3@\(short(head))", "deploy staging@\(short(try git.head("main")))"])
        try h.deployPending()

        // The forge goes down for an hour; meanwhile the PR is closed there and main moves on.
        forge.failure = ForgeDown()
        forge.open = []
        let start = Date()
        let main = try git.commit("main", ["README.md": "# v2\n"])
        var queued: [String] = []
        for minute in stride(from: 0, through: 60, by: 5) {
            let result = try h.reconciler.reconcile(trigger: "test", now: start.addingTimeInterval(Double(minute) * 60))
            queued += result.enqueued.map { "\($0.kind.rawValue) \($0.environment)" }
            let kept = try #require(result.plan.actions.first { $0.environment == "pr-3" })
            #expect(kept.kind == .none)
            #expect(kept.reason.contains("forge unavailable"))
            #expect(result.plan.pullRequestsUnknown?.contains("503") == true)
            try h.deployPending()
        }
        #expect(queued == ["deploy staging"], "staging follows main; no preview is torn down or created")
        #expect(try h.store.environment(named: "staging")?.sha == main)
        #expect(try h.store.environment(named: "pr-3")?.status == .healthy)
        #expect(try h.store.pullRequests().map { "\($0.number):\($0.state.rawValue)" } == ["3:open"], "nothing closed from a failed listing")
        // `slipway plan` says the same without failing.
        #expect(try h.reconciler.preview().changes.isEmpty)

        // Back: the forge says PR 3 is closed; only now is its preview torn down.
        forge.failure = nil
        #expect(try h.reconcile() == ["teardown pr-3"])
        #expect(try h.store.pullRequests().first?.state == .closed)
    }

    @Test("a queued first deploy of a preview is left alone while the PR set is unknown")
    func queuedPreviewLeftAlone() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["app/index.html": "<h1>x</h1>\n"])
        try git.setPullHead(5, head)
        let forge = ListedPullRequests()
        forge.open = [PullRequestRecord(number: 5, state: .open, headSHA: head, baseRef: "main", provenance: .sameRepository,
                                        headSeenAt: Date(), updatedAt: "2026-01-01T00:00:00Z")]
        let h = try Harness(git, forge: forge)
        #expect(try h.reconcile().contains("deploy pr-5@\(short(head))"))
        forge.failure = ForgeDown()
        #expect(try h.reconcile().isEmpty, "no teardown cancels the queued deploy")
        #expect(try h.store.pendingJobs().map(\.environment).sorted() == ["pr-5", "staging"])
    }

    @Test("an unreachable remote: the reconcile plans from the mirror as it is and says why; the remote back, it fetches again")
    func unreachableRemotePlansFromMirror() throws {
        let git = try GitFixture()
        let main = try git.commit("main", GitFixture.baseFiles)
        let h = try Harness(git)
        #expect(try h.reconcile() == ["deploy staging@\(short(main))"])
        #expect(h.reconciler.repository.fetchFailure == nil)
        let moved = git.path + ".away"
        try FileManager.default.moveItem(atPath: git.path, toPath: moved)
        let result = try h.reconciler.reconcile(trigger: "test")
        #expect(result.enqueued.isEmpty)
        #expect(result.plan.actions.contains { $0.environment == "staging" && $0.kind == .none })
        #expect(h.reconciler.repository.fetchFailure?.contains("cannot fetch") == true)
        try FileManager.default.moveItem(atPath: moved, toPath: git.path)
        try h.reconcile()
        #expect(h.reconciler.repository.fetchFailure == nil)
    }

    @Test("a mirror that exists opens offline when the remote is unreachable; without one, the clone error stands")
    func offlineStart() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        let work = try TemporaryDirectory(prefix: "slipway-work")
        _ = try ManagedRepository.prepare(source: git.path, workDir: work.path)
        let moved = git.path + ".away"
        try FileManager.default.moveItem(atPath: git.path, toPath: moved)
        defer { try? FileManager.default.moveItem(atPath: moved, toPath: git.path) }
        #expect(throws: RepositoryError.self) { try ManagedRepository.prepare(source: git.path, workDir: work.path) }
        let offline = try ManagedRepository.prepare(source: git.path, workDir: work.path, credentialProvider: .fixed(nil), offlineStart: true)
        #expect(offline.fetchFailure != nil)
        let fresh = try TemporaryDirectory(prefix: "slipway-work")
        #expect(throws: RepositoryError.self) {
            try ManagedRepository.prepare(source: git.path, workDir: fresh.path, credentialProvider: .fixed(nil), offlineStart: true)
        }
    }
}
