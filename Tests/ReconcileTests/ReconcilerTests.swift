import Foundation
import Reconcile
import SlipwayCore
import Store
import Testing
import TestSupport

/// A reconciler over a fixture remote, with its own work dir and SQLite store.
final class Harness: @unchecked Sendable {
    let git: GitFixture
    let work: TemporaryDirectory
    let store: SQLiteStore
    let reconciler: Reconciler

    init(_ git: GitFixture) throws {
        self.git = git
        work = try TemporaryDirectory(prefix: "slipway-work")
        store = try SQLiteStore(path: work.child("state.db"))
        let repository = try ManagedRepository.prepare(source: git.path, workDir: work.path)
        reconciler = Reconciler(repository: repository, store: store, logger: .discarding)
    }

    /// Reconciles and returns the jobs queued, as `kind env@sha7`.
    @discardableResult
    func reconcile(now: Date = Date()) throws -> [String] {
        try reconciler.reconcile(trigger: "test", now: now).enqueued.map {
            $0.kind == .teardown ? "teardown \($0.environment)" : "deploy \($0.environment)@\($0.sha?.prefix(7) ?? "-")"
        }
    }

    /// Pretends the runner deployed every pending job (so the next plan sees live environments).
    func deployPending() throws {
        while let job = try store.claimJob(owner: "runner", lease: 60, now: Date()) {
            let now = Date()
            if job.kind == .deploy {
                try store.saveEnvironment(EnvironmentRecord(
                    name: job.environment, kind: job.environmentKind ?? .preview, pullRequest: job.pullRequest, sha: job.sha ?? "",
                    contentID: job.contentID ?? "", specFile: job.specFile ?? "", status: .healthy, createdAt: now, updatedAt: now))
            } else if var env = try store.environment(named: job.environment) {
                env.status = .tornDown
                try store.saveEnvironment(env)
            }
            try store.finishJob(id: job.id, owner: "runner", status: .succeeded, error: nil, now: now)
        }
    }
}

func short(_ sha: String) -> String { String(sha.prefix(7)) }

@Suite("Reconcile from git")
struct ReconcilerTests {
    @Test("an open PR into main gets pr-<n> at its head and main gets staging; a second reconcile queues nothing")
    func previewAndStaging() throws {
        let git = try GitFixture()
        let main = try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["app.txt": "v1"])
        try git.setPullHead(7, head)
        let h = try Harness(git)
        #expect(try h.reconcile().sorted() == ["deploy pr-7@\(short(head))", "deploy staging@\(short(main))"])
        #expect(try h.reconcile().isEmpty)
        try h.deployPending()
        #expect(try h.reconcile().isEmpty)
    }

    @Test("a new push to the PR updates its preview and supersedes a deploy still queued")
    func newHeadSupersedes() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let first = try git.commit("feature", ["app.txt": "v1"])
        try git.setPullHead(3, first)
        let h = try Harness(git)
        try h.reconcile()
        let second = try git.commit("feature", ["app.txt": "v2"])
        try git.setPullHead(3, second)
        #expect(try h.reconcile() == ["deploy pr-3@\(short(second))"])
        let jobs = try h.store.jobs(limit: 10).filter { $0.environment == "pr-3" }
        #expect(jobs.map(\.status) == [.queued, .superseded])
    }

    @Test("a closed PR (its head ref gone) is torn down")
    func closedTearsDown() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        try git.setPullHead(5, try git.commit("feature", ["a": "1"]))
        let h = try Harness(git)
        try h.reconcile()
        try h.deployPending()
        try git.deletePullHead(5)
        #expect(try h.reconcile() == ["teardown pr-5"])
        #expect(try h.store.pullRequests().first?.state == .closed)
    }

    @Test("a commit touching only evidence/ and docs/llm/ plans nothing; any other change redeploys")
    func botCommitsPlanNothing() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles.merging(["docs/guide.md": "# guide\n"]) { a, _ in a })
        let h = try Harness(git)
        try h.reconcile()
        try h.deployPending()
        try git.commit("main", ["evidence/staging/2026/record.json": "{}", "docs/llm/index.md": "# index\n"], message: "bot")
        #expect(try h.reconcile().isEmpty)
        let changed = try git.commit("main", ["docs/guide.md": "# guide v2\n"])
        #expect(try h.reconcile() == ["deploy staging@\(short(changed))"])
    }

    @Test("a spec change alone changes the content id")
    func specChangeRedeploys() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        let h = try Harness(git)
        try h.reconcile()
        try h.deployPending()
        let changed = try git.commit("main", ["environments/staging.yaml": GitFixture.stagingSpec.replacingOccurrences(of: "APP_ENV: staging", with: "APP_ENV: staging2")])
        #expect(try h.reconcile() == ["deploy staging@\(short(changed))"])
    }

    @Test("draft PRs get no preview until ready for review")
    func drafts() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["a": "1"])
        try git.setPullHead(8, head)
        let h = try Harness(git)
        try h.store.recordPullRequest(PullRequestRecord(number: 8, state: .open, headSHA: head, baseRef: "main", isDraft: true,
                                                        headSeenAt: Date(), updatedAt: "2026-01-01T00:00:00Z"))
        #expect(try h.reconcile().filter { $0.contains("pr-8") }.isEmpty)
        try h.store.recordPullRequest(PullRequestRecord(number: 8, state: .open, headSHA: head, baseRef: "main", isDraft: false,
                                                        headSeenAt: Date(), updatedAt: "2026-01-01T00:00:01Z"))
        #expect(try h.reconcile() == ["deploy pr-8@\(short(head))"])
    }

    @Test("fork PRs build only once trusted at their current head")
    func forks() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("fork")
        let head = try git.commit("fork", ["a": "1"])
        try git.setPullHead(9, head)
        let h = try Harness(git)
        func record(_ sha: String, labels: [String], labelHeads: [String: String], at stamp: String) throws {
            try h.store.recordPullRequest(PullRequestRecord(number: 9, state: .open, headSHA: sha, baseRef: "main", isFromFork: true,
                                                            labels: labels, labelHeads: labelHeads, headSeenAt: Date(), updatedAt: stamp))
        }
        try record(head, labels: [], labelHeads: [:], at: "2026-01-01T00:00:00Z")
        #expect(try h.reconcile().filter { $0.contains("pr-9") }.isEmpty)
        try record(head, labels: ["safe-to-build"], labelHeads: ["safe-to-build": head], at: "2026-01-01T00:00:01Z")
        #expect(try h.reconcile() == ["deploy pr-9@\(short(head))"])
        try h.deployPending()
        // A later push from the fork needs the label again: the preview is torn down.
        let next = try git.commit("fork", ["a": "2"])
        try git.setPullHead(9, next)
        try record(next, labels: ["safe-to-build"], labelHeads: [:], at: "2026-01-01T00:00:02Z")
        #expect(try h.reconcile() == ["teardown pr-9"])
        try h.deployPending()
        try record(next, labels: ["safe-to-build"], labelHeads: ["safe-to-build": next], at: "2026-01-01T00:00:03Z")
        #expect(try h.reconcile() == ["deploy pr-9@\(short(next))"])
    }

    @Test("a preview idle past its ttl is torn down; a push brings it back")
    func ttl() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["a": "1"])
        try git.setPullHead(4, head)
        let h = try Harness(git)
        let start = Date()
        try h.reconcile(now: start)
        try h.deployPending()
        #expect(try h.reconcile(now: start.addingTimeInterval(71 * 3600)).isEmpty)
        #expect(try h.reconcile(now: start.addingTimeInterval(73 * 3600)) == ["teardown pr-4"])
        try h.deployPending()
        let later = start.addingTimeInterval(74 * 3600)
        let pushed = try git.commit("feature", ["a": "2"])
        try git.setPullHead(4, pushed)
        #expect(try h.reconcile(now: later) == ["deploy pr-4@\(short(pushed))"])
    }

    @Test("invalid specs at a PR head queue nothing, and `preview` explains why")
    func invalidSpecs() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("broken")
        let head = try git.commit("broken", ["environments/preview.yaml": GitFixture.previewSpec.replacingOccurrences(of: "ttl: 72h", with: "ttl: forever")])
        try git.setPullHead(6, head)
        let h = try Harness(git)
        #expect(try h.reconcile().filter { $0.contains("pr-6") }.isEmpty)
        let plan = try h.reconciler.preview()
        #expect(plan.actions.contains { $0.reason.contains("invalid") && $0.reason.contains("ttl") })
    }

    @Test("preview changes nothing in the store")
    func previewIsReadOnly() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        try git.setPullHead(1, try git.commit("feature", ["a": "1"]))
        let h = try Harness(git)
        let plan = try h.reconciler.preview()
        #expect(plan.changes.map(\.environment).sorted() == ["pr-1", "staging"])
        #expect(try h.store.pendingJobs().isEmpty)
        #expect(try h.store.pullRequests().isEmpty)
    }
}
