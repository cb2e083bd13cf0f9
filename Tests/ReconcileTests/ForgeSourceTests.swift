import Foundation
import Reconcile
import SlipwayCore
import Store
import Testing
import TestSupport

/// The forge's list of open PRs, held in memory.
final class ListedPullRequests: PullRequestSource, @unchecked Sendable {
    let lock = NSLock()
    var open: [PullRequestRecord] = []
    var writers: Set<String> = []
    /// When set, listing fails with it (the forge is down).
    var failure: (any Error)?
    /// Runs after the list is taken, before it is returned (what happens while it travels).
    var whileListing: (() throws -> Void)?

    func openPullRequests() throws -> [PullRequestRecord] {
        lock.lock()
        if let failure { lock.unlock(); throw failure }
        let listed = open
        let hook = whileListing
        lock.unlock()
        try hook?()
        return listed
    }

    func hasWriteAccess(_ login: String) throws -> Bool {
        lock.lock(); defer { lock.unlock() }
        return writers.contains(login)
    }
}

@Suite("Reconcile with a forge")
struct ForgeSourceTests {
    @Test("the forge's list of open PRs is authoritative; git still says where the heads are")
    func forgeListWins() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("a")
        let a = try git.commit("a", ["a": "1"])
        try git.branch("b")
        let b = try git.commit("b", ["b": "1"])
        try git.setPullHead(3, a)
        try git.setPullHead(4, b) // closed on the forge, but GitHub keeps the ref
        let work = try TemporaryDirectory()
        let store = try SQLiteStore(path: work.child("state.db"))
        let source = ListedPullRequests()
        source.open = [PullRequestRecord(number: 3, state: .open, headSHA: a, baseRef: "main", provenance: .sameRepository,
                                         headSeenAt: Date(), updatedAt: "2026-01-01T00:00:00Z")]
        let reconciler = Reconciler(repository: try ManagedRepository.prepare(source: git.path, workDir: work.path), store: store,
                                    pullRequestSource: source, logger: .discarding)
        let preview = try reconciler.preview()
        #expect(preview.changes.map(\.environment).sorted() == ["pr-3", "staging"])
        let queued = try reconciler.reconcile(trigger: "test").enqueued.map(\.environment).sorted()
        #expect(queued == ["pr-3", "staging"])
        #expect(try store.pullRequests().map { "\($0.number):\($0.state.rawValue)" } == ["3:open"])
        // A push git knows about before the forge's list catches up: git's head wins.
        let a2 = try git.commit("a", ["a": "2"])
        try git.setPullHead(3, a2)
        #expect(try reconciler.reconcile(trigger: "test").enqueued.map { $0.sha } == [a2])
        // The forge closes it.
        source.open = []
        // Its deploy was still queued: it is cancelled by a teardown, so it never comes up.
        #expect(try reconciler.reconcile(trigger: "test").enqueued.map { "\($0.kind.rawValue) \($0.environment)" } == ["teardown pr-3"])
        #expect(try reconciler.reconcile(trigger: "test").enqueued.isEmpty)
        #expect(try store.pullRequests().first?.state == .closed)
    }

    @Test("a listing taken before a webhook recorded a PR (here or on another replica) does not close that PR")
    func staleListingKeepsNewerRecords() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        try git.branch("c")
        let c = try git.commit("c", ["c": "1"])
        try git.setPullHead(23, c)
        let work = try TemporaryDirectory()
        let store = try SQLiteStore(path: work.child("state.db"))
        let source = ListedPullRequests()
        // The forge's answer left PR 23 out; while it travelled, a webhook recorded PR 23.
        source.whileListing = {
            _ = try store.recordPullRequest(PullRequestRecord(number: 23, state: .open, headSHA: c, baseRef: "main", headRef: "c",
                                                              provenance: .sameRepository, headSeenAt: Date()))
        }
        let reconciler = Reconciler(repository: try ManagedRepository.prepare(source: git.path, workDir: work.path), store: store,
                                    pullRequestSource: source, logger: .discarding)
        let queued = try reconciler.reconcile(trigger: "test").enqueued.map(\.environment).sorted()
        #expect(try store.pullRequests().first { $0.number == 23 }?.state == .open)
        #expect(queued == ["pr-23", "staging"])
        // A later listing that still leaves it out speaks for it: it is closed then.
        source.whileListing = nil
        _ = try reconciler.reconcile(trigger: "test")
        #expect(try store.pullRequests().first { $0.number == 23 }?.state == .closed)
    }
}
