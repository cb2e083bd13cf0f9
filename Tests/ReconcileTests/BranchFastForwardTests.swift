import Foundation
import Git
import Reconcile
import Testing
import TestSupport

@Suite("Branch fast-forward (how a promotion ships)")
struct BranchFastForwardTests {
    @Test("creates a missing branch, moves a behind one, leaves one already there, refuses a diverged one; never forces")
    func outcomes() throws {
        let git = try GitFixture()
        let first = try git.commit("main", GitFixture.baseFiles)
        let second = try git.commit("main", ["app.txt": "v2"])
        let work = try TemporaryDirectory()
        let repository = try ManagedRepository.prepare(source: git.path, workDir: work.path)
        let production = BranchFastForward(repository: repository, branch: "production")
        let id1 = try #require(ObjectID(hex: first)), id2 = try #require(ObjectID(hex: second))

        #expect(try production.fastForward(to: id1) == .moved(from: nil))
        #expect(try git.head("production") == first)
        #expect(try production.fastForward(to: id2) == .moved(from: id1))
        #expect(try git.head("production") == second)
        #expect(try production.fastForward(to: id2) == .alreadyThere)

        // Someone pushes a hotfix straight to production: main no longer fast-forwards it.
        try git.branch("hotfix-base", from: "production")
        let hotfix = try git.commit("production", ["hotfix.txt": "x"])
        let third = try git.commit("main", ["app.txt": "v3"])
        let outcome = try production.fastForward(to: try #require(ObjectID(hex: third)))
        #expect(outcome == .diverged(tip: try #require(ObjectID(hex: hotfix)), ahead: 1))
        #expect(try git.head("production") == hotfix, "the person's commit is never dropped")
    }
}
