import Demo
import Docs
import FakeGitHub
import Foundation
import Git
import SlipwayCore
import Store
import Testing
import TestSupport

/// `docs.publish`: when staging's branch is protected the LLM docs come through one bot-owned
/// pull request, through the real bot, a real repository and the fake GitHub.
@Suite("Docs through a bot pull request, end to end")
struct DocsPullRequestTests {
    /// The fake GitHub knows the repository's branches as GitHub would (the bot pushes its own).
    static func follow(_ forge: FakeGitHub, _ repository: ExampleRepository, protecting branch: String?) {
        let path = repository.path
        forge.followBranches { name in try? Repository.open(at: path).resolve("refs/heads/\(name)").hex }
        if let branch { forge.setProtected(branch) }
    }

    static func docsPullRequests(_ s: DemoScenario) -> [FakeGitHub.PullRequest] {
        s.forge.pullRequests.filter { $0.headRef == "slipway/docs" && $0.baseRef == "main" }
    }

    /// The bot branch's commits on top of main, its tip's parent, and every path the tip changes
    /// (any file of the tree, not only the docs).
    static func botBranch(_ s: DemoScenario) throws -> (commits: [String], parent: String?, files: [String]) {
        let repo = try Repository.open(at: s.repository.path)
        guard let tip = try? repo.resolve("refs/heads/slipway/docs") else { return ([], nil, []) }
        let parent = try repo.commit(tip).parents.first
        func blobs(_ commit: ObjectID?) throws -> [String: ObjectID] {
            guard let commit else { return [:] }
            var result: [String: ObjectID] = [:]
            for entry in try repo.tree(at: commit, recursive: true) where entry.kind == .blob { result[entry.path] = entry.id }
            return result
        }
        let (before, after) = (try blobs(parent), try blobs(tip))
        let files = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
        let main = try repo.resolve("refs/heads/main")
        let commits = try repo.commits(from: tip, excluding: main, limit: 10).map(\.id.hex)
        return (commits, parent?.hex, files)
    }

    @Test("a protected staging branch (auto), or pull-request mode, gets its docs through one bot pull request (only docs/llm/), updated on the next deploy and closed once main has them; main is never written",
          arguments: [DocsPublishMode.auto, .pullRequest])
    func protectedStaging(mode: DocsPublishMode) throws {
        let dir = try TemporaryDirectory(prefix: "slipway-docs-pr")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: testLogger(), docsPublish: mode,
                                 prepareForge: { forge, repository in Self.follow(forge, repository, protecting: mode == .auto ? "main" : nil) })
        defer { s.shutdown() }
        let first = try s.repository.head("main")
        try s.waitFor("staging", .healthy, sha: first)

        let pr = try Eventually.value(of: "the docs pull request", timeout: 60, interval: 0.2) { () -> FakeGitHub.PullRequest? in
            Self.docsPullRequests(s).first { $0.state == "open" }
        }
        #expect(pr.title == "docs: regenerate LLM docs")
        #expect(pr.author == "slipway[bot]")
        #expect(pr.body.contains("**Bot-owned.**"))
        #expect(pr.body.contains("`docs/llm/overview.md`"))
        #expect(pr.body.contains(String(first.prefix(12))))
        let branch = try Self.botBranch(s)
        #expect(branch.commits.count == 1, "exactly one bot commit on top of main")
        #expect(branch.parent == first)
        #expect(branch.files == DocsGenerator.expectedFiles, "only docs/llm/ changes")
        #expect(try s.repository.head("main") == first, "the protected branch is never written")
        // The bot's own proposal changes docs only: it is no preview.
        try s.tick()
        #expect(try s.store.environment(named: "pr-\(pr.number)") == nil)

        // A second staging deploy: the same pull request follows main's new tip.
        let second = try s.repository.commit("main", ["app/index.html": DemoScenario.page("Hello again")], message: "Say hello again")
        try s.expectAccepted(s.deliver(event: "push", s.payloads.push(branch: "main", before: first, after: second)))
        try s.waitFor("staging", .healthy, sha: second)
        try Eventually.wait(for: "the docs pull request to follow main", timeout: 60, interval: 0.2) {
            try Self.botBranch(s).parent == second && (s.forge.pullRequest(pr.number)?.body.contains(String(second.prefix(12))) ?? false)
        }
        #expect(Self.docsPullRequests(s).count == 1, "no second docs pull request")
        #expect(s.forge.pullRequest(pr.number)?.state == "open")
        #expect(try Self.botBranch(s).commits.count == 1)
        #expect(try s.repository.head("main") == second)

        // Someone merges it (GitHub closes it as merged). The pages carry what was observed
        // running, so the next staging deploy proposes its own docs: a new pull request on top
        // of the merged ones, still one bot commit on main's tip.
        let merged = try s.repository.repository.resolve("refs/heads/slipway/docs")
        try s.repository.repository.updateReference(name: "refs/heads/main", to: merged, expected: ObjectID(hex: second))
        try s.syncForgeBranches()
        #expect(s.forge.pullRequest(pr.number)?.state == "closed")
        let third = try s.repository.commit("main", ["app/index.html": DemoScenario.page("Hello a third time")], message: "Say hello a third time")
        try s.expectAccepted(s.deliver(event: "push", s.payloads.push(branch: "main", before: merged.hex, after: third)))
        try s.waitFor("staging", .healthy, sha: third)
        let next = try Eventually.value(of: "the next docs pull request", timeout: 60, interval: 0.2) { () -> FakeGitHub.PullRequest? in
            Self.docsPullRequests(s).first { $0.state == "open" && $0.number != pr.number }
        }
        #expect(next.body.contains(String(third.prefix(12))))
        #expect(Self.docsPullRequests(s).filter { $0.state == "open" }.count == 1)
        #expect(try Self.botBranch(s).parent == third)
        #expect(try Self.botBranch(s).commits.count == 1)
        #expect(try s.repository.head("main") == third)
    }

    @Test("docs.publish: commit commits on main even when GitHub says it is protected, and opens no pull request")
    func commitMode() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-docs-commit")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: testLogger(), docsPublish: .commit,
                                 prepareForge: { forge, repository in Self.follow(forge, repository, protecting: "main") })
        defer { s.shutdown() }
        let first = try s.repository.head("main")
        try s.waitFor("staging", .healthy, sha: first)
        let commit = try s.waitForDocsCommit()
        #expect(try Repository.open(at: s.repository.path).commit(ObjectID(hex: commit)!).parents.first?.hex == first)
        #expect(Self.docsPullRequests(s).isEmpty)
        #expect((try? Repository.open(at: s.repository.path).resolve("refs/heads/slipway/docs")) == nil)
    }
}
