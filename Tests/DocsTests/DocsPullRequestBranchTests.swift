import CLITestSupport
import Docs
import Foundation
import Git
import Reconcile
import SlipwayCore
import Testing
import TestSupport

@Suite("The bot's docs branch (docs.publish: pull-request)")
struct DocsPullRequestBranchTests {
    @Test("the docs go on slipway/docs as one bot commit on staging's tip touching only docs/llm/, and staging is never written")
    func oneCommitOnTheTip() throws {
        let world = try DocsWorld()
        let staging = try world.git.head("main")
        let branch = DocsPullRequestBranch(generator: DocsGenerator())
        guard case .proposed(let commit, let base, let files, let pushed) = try branch.update(repository: world.repository) else {
            Issue.record("expected the docs to be proposed")
            return
        }
        #expect(pushed)
        #expect(base == staging)
        #expect(files == DocsGenerator.expectedFiles)
        #expect(try world.git.head("main") == staging, "the staging branch is only read")
        #expect(try world.git.head("slipway/docs") == commit)
        #expect(GitCLI.lines(try world.git(["rev-list", "main..slipway/docs"])) == [commit], "exactly one commit on top of staging")
        #expect(GitCLI.lines(try world.git(["diff", "--name-only", "main", "slipway/docs"])) == DocsGenerator.expectedFiles)
        #expect(try world.git(["log", "-1", "--format=%an", "slipway/docs"]) == "slipway[bot]\n")

        // Again on the same tip: nothing pushed, the same commit.
        #expect(try branch.update(repository: world.repository) == .proposed(commit: commit, base: staging, files: files, pushed: false))
        #expect(try world.git.head("slipway/docs") == commit)

        // Staging moves: the bot branch is replaced by one commit on the new tip (the old one is gone from it).
        let person = try world.git.commit("main", ["docker-compose.yml": StackFixture.compose.replacingOccurrences(of: "redis:7", with: "redis:7.2")])
        guard case .proposed(let second, let secondBase, _, true) = try branch.update(repository: world.repository) else {
            Issue.record("expected a new bot commit")
            return
        }
        #expect(secondBase == person)
        #expect(try world.git.head("main") == person)
        #expect(GitCLI.lines(try world.git(["rev-list", "main..slipway/docs"])) == [second])
        #expect(!GitCLI.lines(try world.git(["rev-list", "slipway/docs"])).contains(commit), "the old bot commit was replaced")
        #expect(Set(GitCLI.lines(try world.git(["diff", "--name-only", "main", "slipway/docs"]))).isSubset(of: Set(DocsGenerator.expectedFiles)))

        // Staging takes the docs (the pull request was merged): nothing to propose.
        _ = try world.git(["update-ref", "refs/heads/main", second, person])
        #expect(try branch.update(repository: world.repository) == .unchanged(base: second))
        try GitCLI.fsck(world.git.path)
    }

    @Test("the bot branch is replaced only while it is as fetched: a push to it in between is never overwritten")
    func leaseProtectsAConcurrentPush() throws {
        let world = try DocsWorld()
        let branch = DocsPullRequestBranch(generator: DocsGenerator(), maxAttempts: 1)
        guard case .proposed(let first, _, _, true) = try branch.update(repository: world.repository) else {
            Issue.record("expected a first bot commit")
            return
        }
        // The mirror believes the remote has `first`; someone else moves the remote branch.
        let other = try world.git.commit("slipway/docs", ["note.txt": "someone's commit\n"])
        _ = try world.repository.withRepository { repo in
            // The mirror's copy is behind the remote: a lease on it must be refused.
            #expect(throws: GitError.self) {
                try repo.forcePush(source: "refs/heads/slipway/docs", to: "refs/heads/slipway/docs", expected: ObjectID(hex: first)!)
            }
        }
        #expect(try world.git.head("slipway/docs") == other)
        #expect(first != other)
    }

    @Test("a validation failure pushes nothing to the bot branch")
    func validationFailurePushesNothing() throws {
        let world = try DocsWorld(extra: ["docker-compose.yml": StackFixture.compose.replacingOccurrences(of: #"command: ["npm", "start"]"#, with: #"command: ["npm", "start", "--key", "hunter2-very-secret"]"#)])
        let generator = DocsGenerator(configuration: .init(redactor: Redactor(secrets: ["hunter2-very-secret"])))
        #expect(throws: DocsValidationError.self) { try DocsPullRequestBranch(generator: generator).update(repository: world.repository) }
        #expect(try world.git(["branch", "--list", "slipway/docs"]).isEmpty)
    }

    @Test("the publish mode is parsed from the operator's setting and nothing else")
    func modeParsing() {
        #expect(DocsPublishMode(parsing: "pull-request") == .pullRequest)
        #expect(DocsPublishMode(parsing: " Commit ") == .commit)
        #expect(DocsPublishMode(parsing: "auto") == .auto)
        #expect(DocsPublishMode(parsing: "pr") == nil)
    }
}
