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

    private var stamp = 0

    init(_ git: GitFixture, forge: ListedPullRequests? = nil, grants: GrantTable? = nil) throws {
        self.git = git
        work = try TemporaryDirectory(prefix: "slipway-work")
        store = try SQLiteStore(path: work.child("state.db"))
        let repository = try ManagedRepository.prepare(source: git.path, workDir: work.path)
        reconciler = Reconciler(repository: repository, store: store, pullRequestSource: forge, grants: grants, logger: .discarding)
    }

    /// What a verified `pull_request` webhook records: the PR is open and (by default) from this
    /// repository. Refs alone never make a PR buildable.
    func webhook(_ number: Int, _ head: String, base: String = "main", provenance: PullRequestProvenance = .sameRepository,
                 draft: Bool = false, labels: [String] = [], labelHeads: [String: String] = [:], closed: Bool = false) throws {
        stamp += 1
        try store.recordPullRequest(PullRequestRecord(
            number: number, state: closed ? .closed : .open, headSHA: head, baseRef: base, isDraft: draft, provenance: provenance,
            labels: labels, labelHeads: labelHeads, headSeenAt: Date(), updatedAt: String(format: "2026-01-01T00:%02d:%02dZ", stamp / 60, stamp % 60)))
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
        try h.webhook(7, head)
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
        try h.webhook(3, first)
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
        let head = try git.commit("feature", ["a": "1"])
        try git.setPullHead(5, head)
        let h = try Harness(git)
        try h.webhook(5, head)
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
                                                        provenance: .sameRepository, headSeenAt: Date(), updatedAt: "2026-01-01T00:00:00Z"))
        #expect(try h.reconcile().filter { $0.contains("pr-8") }.isEmpty)
        try h.store.recordPullRequest(PullRequestRecord(number: 8, state: .open, headSHA: head, baseRef: "main", isDraft: false,
                                                        provenance: .sameRepository, headSeenAt: Date(), updatedAt: "2026-01-01T00:00:01Z"))
        #expect(try h.reconcile() == ["deploy pr-8@\(short(head))"])
    }

    @Test("fork PRs build only once trusted at their current head")
    func forks() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("fork")
        let head = try git.commit("fork", ["a": "1"])
        try git.setPullHead(9, head)
        let forge = ListedPullRequests()
        let h = try Harness(git, forge: forge)
        func record(_ sha: String, labels: [String], labelHeads: [String: String], at stamp: String) throws {
            let pr = PullRequestRecord(number: 9, state: .open, headSHA: sha, baseRef: "main", provenance: .fork,
                                       labels: labels, labelHeads: labelHeads, headSeenAt: Date(), updatedAt: stamp)
            forge.lock.lock()
            forge.open = [pr]
            forge.open[0].labelHeads = [:]
            forge.lock.unlock()
            try h.store.recordPullRequest(pr)
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
        try h.webhook(4, head)
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
        try h.webhook(6, head)
        // The PR's own broken spec is not its policy: its preview is built from main's specs,
        // and the plan tells it what validate says about its proposal.
        let result = try h.reconciler.reconcile(trigger: "test")
        #expect(result.enqueued.map(\.environment).contains("pr-6"))
        let notice = try #require(result.plan.notices.first { $0.pullRequest == 6 && $0.kind == .specChangesAfterMerge })
        #expect(notice.message.contains("take effect after merge"))
        #expect(notice.details.contains { $0.contains("ttl") && $0.contains("environments/preview.yaml:") })
    }

    @Test("preview changes nothing in the store")
    func previewIsReadOnly() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["a": "1"])
        try git.setPullHead(1, head)
        let h = try Harness(git)
        try h.webhook(1, head)
        let plan = try h.reconciler.preview()
        #expect(plan.changes.map(\.environment).sorted() == ["pr-1", "staging"])
        #expect(try h.store.pendingJobs().isEmpty)
        #expect(try h.store.pullRequests().map(\.number) == [1])
    }
}

@Suite("Trust: policy from trusted refs, provenance")
struct TrustReconcileTests {
    @Test("a PR known only from its git ref is never built, with the reason in the plan")
    func refOnlyIsNotBuilt() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["a": "1"])
        try git.setPullHead(12, head)
        let h = try Harness(git)
        let result = try h.reconciler.reconcile(trigger: "test")
        #expect(!result.enqueued.contains { $0.environment == "pr-12" })
        #expect(try h.store.pullRequests().first?.provenance == .unknown)
        #expect(result.plan.notices.contains { $0.pullRequest == 12 && $0.kind == .unknownProvenance })
        // A verified webhook then says it is open and from this repository: it builds.
        try h.webhook(12, head)
        #expect(try h.reconcile() == ["deploy pr-12@\(short(head))"])
    }

    @Test("without a forge a fork never builds, even with the trust label at its head")
    func forkWithoutForge() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("fork")
        let head = try git.commit("fork", ["a": "1"])
        try git.setPullHead(3, head)
        let h = try Harness(git)
        try h.webhook(3, head, provenance: .fork, labels: ["safe-to-build"], labelHeads: ["safe-to-build": head])
        let result = try h.reconciler.reconcile(trigger: "test")
        #expect(!result.enqueued.contains { $0.environment == "pr-3" })
        #expect(result.plan.notices.contains { $0.pullRequest == 3 && $0.kind == .forkNotBuilt })
    }

    @Test("a preview's spec is read at its base's tip: the head cannot rename, retrust, unforbid or re-grant itself")
    func policyFromBase() throws {
        let git = try GitFixture()
        let main = try git.commit("main", GitFixture.baseFiles)
        try git.branch("evil")
        let hostile = GitFixture.previewSpec
            .replacingOccurrences(of: "name: \"pr-{{pr.number}}\"", with: "name: staging")
            .replacingOccurrences(of: "forbid: [\"sk_live_*\"]", with: "forbid: []")
            + "\nsecrets:\n  TOKEN: bot-token\n"
        let head = try git.commit("evil", ["environments/preview.yaml": hostile, "app.txt": "evil"])
        try git.setPullHead(2, head)
        let h = try Harness(git, grants: GrantTable([Grant(name: "stripe-test", source: .env("X"), environments: ["preview"])]))
        try h.webhook(2, head)
        let result = try h.reconciler.reconcile(trigger: "test")
        let job = try #require(result.enqueued.first { $0.pullRequest == 2 })
        // The name, the spec file and its commit come from main; the code from the PR's head.
        #expect(job.environment == "pr-2")
        #expect(job.sha == head)
        #expect(job.specSHA == main)
        let proposal = try #require(result.plan.notices.first { $0.pullRequest == 2 && $0.kind == .specChangesAfterMerge })
        // What validate says about the proposal is shown to the author; it changes nothing here.
        #expect(proposal.details.contains { $0.contains("duplicate environment name 'staging'") })
        // Staging is untouched by the PR.
        #expect(result.enqueued.first { $0.environment == "staging" }?.sha == main)
    }

    @Test("a base spec that changes moves the preview (new content id); the head's own spec does not")
    func baseSpecChangeRedeploys() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["app.txt": "v1"])
        try git.setPullHead(4, head)
        let h = try Harness(git)
        try h.webhook(4, head)
        try h.reconcile()
        try h.deployPending()
        // The PR edits its own spec: nothing changes for its preview.
        let edited = try git.commit("feature", ["environments/preview.yaml": GitFixture.previewSpec.replacingOccurrences(of: "APP_ENV: preview", with: "APP_ENV: mine")])
        try git.setPullHead(4, edited)
        try h.webhook(4, edited)
        let afterEdit = try h.reconcile()
        #expect(afterEdit == [], "a spec-only change at the head deploys nothing: \(afterEdit)")
        // main changes the preview spec: the preview follows.
        let newMain = try git.commit("main", ["environments/preview.yaml": GitFixture.previewSpec.replacingOccurrences(of: "APP_ENV: preview", with: "APP_ENV: preview2")])
        let queued = try h.reconciler.reconcile(trigger: "test").enqueued
        let preview = try #require(queued.first { $0.environment == "pr-4" })
        #expect(preview.specSHA == newMain)
        #expect(preview.sha == edited)
    }

    @Test("a grant the spec may not use is refused at plan time with the grant and the allowed environments")
    func grantRefused() throws {
        let git = try GitFixture()
        let spec = GitFixture.previewSpec + "\nsecrets:\n  STRIPE_KEY: stripe-live\n"
        try git.commit("main", GitFixture.baseFiles.merging(["environments/preview.yaml": spec]) { _, new in new })
        try git.branch("feature")
        let head = try git.commit("feature", ["a": "1"])
        try git.setPullHead(5, head)
        let grants = GrantTable([Grant(name: "stripe-live", source: .file("/etc/slipway/stripe-live"), environments: ["production"])])
        let h = try Harness(git, grants: grants)
        try h.webhook(5, head)
        let result = try h.reconciler.reconcile(trigger: "test")
        #expect(!result.enqueued.contains { $0.environment == "pr-5" })
        let notice = try #require(result.plan.notices.first { $0.kind == .grantRefused })
        #expect(notice.details.joined().contains("stripe-live"))
        #expect(notice.details.joined().contains("allowed: production"))
        #expect(!notice.details.joined().contains("/etc/slipway"))
    }

    @Test("invalid specs on the base block previews with a notice naming file:line:column")
    func invalidBase() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["a": "1"])
        try git.setPullHead(6, head)
        try git.commit("main", ["environments/preview.yaml": GitFixture.previewSpec.replacingOccurrences(of: "ttl: 72h", with: "ttl: forever")])
        let h = try Harness(git)
        try h.webhook(6, head)
        let result = try h.reconciler.reconcile(trigger: "test")
        #expect(!result.enqueued.contains { $0.environment == "pr-6" })
        let notice = try #require(result.plan.notices.first { $0.kind == .invalidBaseSpecs })
        #expect(notice.details.contains { $0.hasPrefix("environments/preview.yaml:") && $0.contains("ttl") })
        #expect(notice.statusState == "error")
    }

    @Test("a spec blob over 256 KiB is refused before it is read, with its path")
    func oversizedSpecBlob() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["a": "1"])
        try git.setPullHead(8, head)
        try git.commit("main", ["environments/huge.yaml": "# " + String(repeating: "x", count: 300 * 1024) + "\n"])
        let h = try Harness(git)
        try h.webhook(8, head)
        let result = try h.reconciler.reconcile(trigger: "test")
        let notice = try #require(result.plan.notices.first { $0.kind == .invalidBaseSpecs })
        #expect(notice.details.contains { $0.hasPrefix("environments/huge.yaml:1:1:") && $0.contains("too large") })
    }
}
