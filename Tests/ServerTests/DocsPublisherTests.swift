import Docs
import FakeGitHub
import Forge
import Foundation
import Git
import Reconcile
@testable import Server
import SlipwayCore
import Store
import TestSupport
import Testing

/// `docs.publish` through the real git server (smart HTTP, `git receive-pack` with a hook that
/// refuses pushes to main as GitHub's branch protection does) and the fake GitHub.
@Suite("Publishing the LLM docs (docs.publish)")
struct DocsPublisherTests {
    /// A bare repository `acme/shop.git` under a smart-HTTP server whose pushes to
    /// `refs/heads/main` are refused with GitHub's protected-branch message.
    struct ProtectedRemote {
        let scratch: TemporaryDirectory
        let remote: Repository
        let server: SmartHTTPGitServer
        let store: SQLiteStore
        static let credentials = GitCredentials(username: "slipway", password: "pw-0123456789abcdef")

        init() throws {
            scratch = try TemporaryDirectory(prefix: "slipway-docs-publish")
            remote = try Repository.create(at: scratch.child("git/acme/shop.git"), bare: true, initialBranch: "main")
            _ = try remote.commit(changes: ["README.md": .write(Data("# shop\n".utf8)),
                                            "environments/staging.yaml": .write(Data(GitFixture.stagingSpec.utf8))],
                                  onBranch: "main", parent: nil, author: GitFixture.author, message: "base")
            let hook = scratch.child("git/acme/shop.git/hooks/pre-receive")
            try FileManager.default.createDirectory(atPath: scratch.child("git/acme/shop.git/hooks"), withIntermediateDirectories: true)
            try """
            #!/bin/sh
            while read old new ref; do
              if [ "$ref" = "refs/heads/main" ]; then
                echo "error: GH006: Protected branch update failed for refs/heads/main." >&2
                exit 1
              fi
            done
            exit 0

            """.write(toFile: hook, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
            server = try SmartHTTPGitServer(root: scratch.child("git"), username: Self.credentials.username,
                                            password: .fixed(Self.credentials.password), logPath: scratch.child("git-http.log"))
            store = try SQLiteStore(path: scratch.child("state.db"))
        }

        func mirror(_ name: String) throws -> ManagedRepository {
            try ManagedRepository.prepare(source: server.url("acme/shop.git"), workDir: scratch.child(name), credentials: Self.credentials)
        }

        func head(_ branch: String) -> ObjectID? { try? remote.resolve("refs/heads/\(branch)") }
    }

    @Test("auto: a push the staging branch refuses as protected sends the docs to the bot branch over HTTP instead, and staging keeps its tip")
    func refusedPushFallsBackToTheBotBranch() throws {
        let world = try ProtectedRemote()
        defer { world.server.stop() }
        let staging = try #require(world.head("main"))
        let publisher = DocsPublisher(mode: .auto, repository: try world.mirror("work"), client: nil, forge: nil, store: world.store,
                                      logger: .discarding)
        let outcome = try publisher.publish(DocsGenerator.Configuration(branch: "main"))
        guard case .proposed(.proposed(let commit, let base, let files, true), .skipped) = outcome else {
            Issue.record("expected the docs on the bot branch, got \(outcome)")
            return
        }
        #expect(base == staging.hex)
        #expect(files == DocsGenerator.expectedFiles)
        #expect(world.head("main") == staging, "the protected branch keeps its tip")
        #expect(world.head("slipway/docs")?.hex == commit)
        #expect(try world.remote.commit(ObjectID(hex: commit)!).parents == [staging])

        // From another mirror (another replica, or after a restart): the bot branch is already
        // right, nothing is pushed.
        let again = try DocsPublisher(mode: .auto, repository: try world.mirror("fresh"), client: nil, forge: nil, store: world.store,
                                      logger: .discarding).publish(DocsGenerator.Configuration(branch: "main"))
        #expect(again == .proposed(.proposed(commit: commit, base: staging.hex, files: files, pushed: false), pullRequest: .skipped("no forge credentials")))

        // Staging moves (a person merged something): the bot branch is replaced over HTTP (force
        // with lease), still one commit on the new tip.
        let person = try world.remote.commit(changes: ["README.md": .write(Data("# shop, again\n".utf8))], onBranch: "main",
                                             parent: staging, author: GitFixture.author, message: "person")
        guard case .proposed(.proposed(let second, let secondBase, _, true), _) = try publisher.publish(DocsGenerator.Configuration(branch: "main")) else {
            Issue.record("expected a replaced bot commit")
            return
        }
        #expect(secondBase == person.hex)
        #expect(world.head("slipway/docs")?.hex == second)
        #expect(try world.remote.commit(ObjectID(hex: second)!).parents == [person])
        #expect(world.head("main") == person)
    }

    @Test("commit: the refused push is an error that says so, and nothing else is written")
    func commitModeReportsTheRefusal() throws {
        let world = try ProtectedRemote()
        defer { world.server.stop() }
        let staging = world.head("main")
        let publisher = DocsPublisher(mode: .commit, repository: try world.mirror("work"), client: nil, forge: nil, store: world.store,
                                      logger: .discarding)
        #expect { try publisher.publish(DocsGenerator.Configuration(branch: "main")) } throws: { error in
            DocsPublisher.isProtectedRefusal(error) && "\(error)".contains("refs/heads/main")
        }
        #expect(world.head("main") == staging)
        #expect(world.head("slipway/docs") == nil)
    }

    @Test("auto on an unprotected branch commits directly and closes a docs pull request left from when it was protected")
    func unprotectedClosesTheLeftoverPullRequest() throws {
        let scratch = try TemporaryDirectory(prefix: "slipway-docs-unprotected")
        let remote = try Repository.create(at: scratch.child("shop.git"), bare: true, initialBranch: "main")
        let base = try remote.commit(changes: ["environments/staging.yaml": .write(Data(GitFixture.stagingSpec.utf8))],
                                     onBranch: "main", parent: nil, author: GitFixture.author, message: "base")
        let fake = FakeGitHub(owner: "acme", repo: "shop", token: "ghp_fake_token_0123456789abcdef")
        try fake.start()
        defer { fake.stop() }
        fake.setBranch("main", sha: base.hex)
        fake.addPullRequest(number: 4, title: DocsPublisher.title, headSHA: String(repeating: "e", count: 40), headRef: "slipway/docs",
                            baseRef: "main", author: "slipway[bot]")
        let client = try GitHubClient(configuration: .init(apiBaseURL: fake.baseURL, repository: ForgeRepository("acme/shop")!),
                                      credentials: .token("ghp_fake_token_0123456789abcdef"), logger: .discarding)
        let publisher = DocsPublisher(mode: .auto, repository: try ManagedRepository.prepare(source: remote.path, workDir: scratch.child("work")),
                                      client: client, forge: nil, store: try SQLiteStore(path: scratch.child("state.db")), logger: .discarding)
        guard case .committed(.committed(let commit, _, _)) = try publisher.publish(DocsGenerator.Configuration(branch: "main")) else {
            Issue.record("expected a direct commit")
            return
        }
        #expect(try remote.resolve("refs/heads/main").hex == commit)
        #expect(fake.pullRequest(4)?.state == "closed")
        #expect(fake.pullRequest(4)?.body.contains("already has the current LLM docs") == true)
    }

    @Test("the route: commit and pull-request are fixed; auto follows GitHub's protected flag and commits when GitHub cannot say")
    func route() {
        #expect(DocsPublisher.route(.commit, protected: true) == .commit)
        #expect(DocsPublisher.route(.pullRequest, protected: false) == .pullRequest)
        #expect(DocsPublisher.route(.auto, protected: true) == .pullRequest)
        #expect(DocsPublisher.route(.auto, protected: false) == .commit)
        #expect(DocsPublisher.route(.auto, protected: nil) == .commit)
    }

    @Test("the forge client reads a branch's protected flag, slashes and all; an unknown branch is notFound")
    func branchProtection() throws {
        let fake = FakeGitHub(owner: "acme", repo: "shop", token: "ghp_fake_token_0123456789abcdef")
        try fake.start()
        defer { fake.stop() }
        fake.setBranch("main", sha: String(repeating: "a", count: 40))
        fake.setBranch("release/1.x", sha: String(repeating: "b", count: 40))
        fake.setProtected("main")
        let client = try GitHubClient(configuration: .init(apiBaseURL: fake.baseURL, repository: ForgeRepository("acme/shop")!),
                                      credentials: .token("ghp_fake_token_0123456789abcdef"), logger: .discarding)
        #expect(try client.branch("main") == GitHubBranch(name: "main", sha: String(repeating: "a", count: 40), protected: true))
        #expect(try client.branch("release/1.x").protected == false)
        #expect { try client.branch("nope") } throws: { ($0 as? ForgeError)?.kind == .notFound }
    }

    @Test("docs-publish is read from the flag and from docs.publish in slipway.yaml; anything else is refused with the choices")
    func configuration() throws {
        let scratch = try TemporaryDirectory(prefix: "slipway-docs-config")
        func resolve(flags: [String: String] = [:], file: String? = nil) throws -> BotConfiguration {
            var all = flags
            all["work-dir"] = scratch.path
            if let file { all["config"] = try scratch.write("slipway.yaml", file) }
            let source = try ConfigSource(flags: all, environment: ["SLIPWAY_WEBHOOK_SECRET": "0123456789abcdef0123"],
                                          knownKeys: ConfigOption.serveOptions.map(\.name))
            return try BotConfiguration.resolve(source)
        }
        #expect(try resolve().docsPublish == .auto)
        #expect(try resolve(flags: ["docs-publish": "pull-request"]).docsPublish == .pullRequest)
        #expect(try resolve(file: "docs:\n  publish: commit\n").docsPublish == .commit)
        #expect(try resolve(file: "docs-publish: pull-request\n").docsPublish == .pullRequest)
        #expect { try resolve(flags: ["docs-publish": "pr"]) } throws: {
            "\($0)" == "--docs-publish must be commit, pull-request or auto (got 'pr')"
        }
        #expect { try resolve(file: "docs:\n  mode: commit\n") } throws: { "\($0)".contains("unknown key 'mode' in docs (expected publish)") }
    }
}
