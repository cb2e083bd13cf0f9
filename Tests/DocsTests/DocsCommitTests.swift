import CLITestSupport
import Docs
import Foundation
import Git
import Reconcile
import SlipwayCore
import Store
import Testing
import TestSupport

@Suite("Committing the LLM docs")
struct DocsCommitTests {
    @Test("docs are committed to main by the bot only when a byte changed, touching only docs/llm/ (no deploy planned)")
    func commitOnlyWhenChanged() throws {
        let world = try DocsWorld()
        let before = try world.git.head("main")
        let generator = DocsGenerator()
        guard case .committed(let commit, let files, let attempts) = try generator.commitIfChanged(repository: world.repository) else {
            Issue.record("expected a commit")
            return
        }
        #expect(attempts == 1)
        #expect(files == DocsGenerator.expectedFiles)
        #expect(try world.git.head("main") == commit)
        #expect(try world.git(["rev-parse", "main^"]).trimmingCharacters(in: .whitespacesAndNewlines) == before)
        let changed = GitCLI.lines(try world.git(["show", "--format=", "--name-only", "main"]))
        #expect(changed == DocsGenerator.expectedFiles)
        #expect(try world.git(["log", "-1", "--format=%an", "main"]) == "slipway[bot]\n")
        #expect(try world.git(["log", "-1", "--format=%B", "main"]).contains("Slipway-Docs: \(before)"))
        // The content id ignores docs/llm/, so the reconciler plans no deploy for this commit.
        let reader = DesiredStateReader()
        let hashes = try world.repository.withRepository { repo in
            (try reader.contentHash(repo, commit: ObjectID(hex: before)!), try reader.contentHash(repo, commit: ObjectID(hex: commit)!))
        }
        #expect(hashes.0 == hashes.1)
        // Nothing changed: nothing committed, also from a fresh mirror.
        #expect(try generator.commitIfChanged(repository: world.repository) == .unchanged(tip: commit))
        let fresh = try ManagedRepository.prepare(source: world.git.path, workDir: world.work.child("fresh"))
        #expect(try DocsGenerator().commitIfChanged(repository: fresh) == .unchanged(tip: commit))
        // A Compose change: only the affected files are committed, on top of the person's commit.
        let person = try world.git.commit("main", ["docker-compose.yml": StackFixture.compose.replacingOccurrences(of: "redis:7", with: "redis:7.2")])
        guard case .committed(_, let second, _) = try generator.commitIfChanged(repository: world.repository) else {
            Issue.record("expected a second commit")
            return
        }
        #expect(second == ["docs/llm/glossary.md", "docs/llm/graph.json", "docs/llm/overview.md", "docs/llm/relationships.md",
                           "docs/llm/services.md"])
        #expect(try world.git(["rev-parse", "main^"]).trimmingCharacters(in: .whitespacesAndNewlines) == person)
        try GitCLI.fsck(world.git.path)
    }

    @Test("a planted token blocks the docs commit, says where and why, and never repeats the secret")
    func plantedSecret() throws {
        let token = "ghp_" + String(repeating: "A1b2C3d4", count: 5)
        let spec = GitFixture.stagingSpec.replacingOccurrences(of: "- run: \"sh build.sh\"", with: "- run: \"sh build.sh --token \(token)\"")
        let world = try DocsWorld(extra: ["environments/staging.yaml": spec])
        let before = try world.git.head("main")
        #expect { try DocsGenerator().commitIfChanged(repository: world.repository) } throws: { error in
            guard let validation = error as? DocsValidationError else { return false }
            let text = validation.description
            return text.contains("docs/llm/environments.md:") && text.contains("contains what looks like a GitHub token (ghp_...)")
                && text.contains("docs/llm/graph.json:") && !text.contains(token) && text.hasPrefix("the generated docs were not committed")
        }
        #expect(try world.git.head("main") == before)
        try GitCLI.fsck(world.git.path)
    }

    @Test("a configured secret value and a private key block also block the commit")
    func configuredSecret() throws {
        let compose = StackFixture.compose.replacingOccurrences(of: #"command: ["npm", "start"]"#, with: #"command: ["npm", "start", "--key", "hunter2-very-secret"]"#)
        let world = try DocsWorld(extra: ["docker-compose.yml": compose])
        let before = try world.git.head("main")
        let generator = DocsGenerator(configuration: .init(redactor: Redactor(secrets: ["hunter2-very-secret"])))
        #expect { try generator.commitIfChanged(repository: world.repository) } throws: { error in
            "\(error)".contains("docs/llm/services.md:") && "\(error)".contains("contains a configured secret value") && !"\(error)".contains("hunter2")
        }
        #expect(try world.git.head("main") == before)
        // Without the configured secret the same docs pass.
        #expect(DocsGenerator().validate(try world.generate()).isEmpty)
        var files = try world.generate()
        files["docs/llm/playbook.md"] = Data("# P\n\n-----BEGIN OPENSSH PRIVATE KEY-----\nAKIAABCDEFGHIJKLMNOP\nsk_live_* is a pattern, sk_live_abcdefgh12 is a key\n".utf8)
        #expect(DocsGenerator().validate(files) == [
            "docs/llm/playbook.md:3: contains what looks like a private key block",
            "docs/llm/playbook.md:4: contains what looks like an AWS access key id (AKIA...)",
            "docs/llm/playbook.md:5: contains what looks like a Stripe live key (sk_live_...)",
        ])
    }

    @Test("slipway docs generate writes, checks and pushes the docs")
    func commandLine() throws {
        let world = try DocsWorld()
        let out = try TemporaryDirectory(prefix: "slipway-docs-out")
        let written = runCLI(["docs", "generate", "--repo", world.git.path, "--write", out.path])
        #expect(written.code == 0, "\(written.err)")
        #expect(written.out.contains("new  docs/llm/overview.md"))
        #expect(written.out.contains("wrote 7 files to \(out.path)"))
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == ["environments.md", "glossary.md", "graph.json", "overview.md", "playbook.md", "relationships.md", "services.md"])
        let expected = try world.generate()
        #expect(try Data(contentsOf: URL(fileURLWithPath: out.child("overview.md"))) == expected["docs/llm/overview.md"])

        let pushed = runCLI(["docs", "generate", "--repo", world.git.path, "--push"])
        #expect(pushed.code == 0, "\(pushed.err)")
        #expect(pushed.out.contains("committed 7 files to main as"))
        let again = runCLI(["docs", "generate", "--repo", world.git.path, "--push"])
        #expect(again.out.contains("unchanged  docs/llm/graph.json"))
        #expect(again.out.contains("nothing committed"))
        let old = runCLI(["docs", "generate", "--repo", world.git.path, "--commit", world.sha])
        #expect(old.code == 0)
        #expect(old.out.contains("new  docs/llm/graph.json"))
        #expect(runCLI(["docs", "generate", "--repo", world.git.path, "--commit", world.sha, "--push"]).code == 2)
        let missing = runCLI(["docs", "generate", "--repo", world.git.path, "--commit", "0000000000000000000000000000000000000000"])
        #expect(missing.code == 1)
        #expect(missing.err.contains("cannot find 0000000000000000000000000000000000000000"))
        try GitCLI.fsck(world.git.path)
    }

    @Test("slipway docs generate refuses a planted secret and a dangling edge with exit 1")
    func commandLineFailures() throws {
        let token = "AKIA" + "ABCDEFGHIJKLMNOP"
        let compose = StackFixture.compose.replacingOccurrences(of: "MAIL_HOST: mailpit", with: "MAIL_HOST: mailpit\n      \(token): x")
        let world = try DocsWorld(extra: ["docker-compose.yml": compose])
        let result = runCLI(["docs", "generate", "--repo", world.git.path, "--push"])
        #expect(result.code == 1)
        #expect(result.err.contains("contains what looks like an AWS access key id (AKIA...)"))
        #expect(result.err.contains("validation failed: nothing written or committed"))
        #expect(!result.err.contains(token))
        #expect(GitCLI.lines(try world.git(["rev-list", "main"])).count == 1)

        let dangling = try DocsWorld(extra: ["docker-compose.yml": StackFixture.compose.replacingOccurrences(of: "depends_on: [db, cache]", with: "depends_on: [ghost]")])
        let reported = runCLI(["docs", "generate", "--repo", dangling.git.path])
        #expect(reported.code == 1)
        #expect(reported.err.contains("error: docker-compose.yml:6: dangling edge service:web -> DEPENDS_ON -> service:ghost: no node service:ghost"))
    }

    @Test("slipway docs generate --work-dir adds what the store observed running; without it the pages say none is available")
    func commandLineObserved() throws {
        let world = try DocsWorld()
        let work = try TemporaryDirectory(prefix: "slipway-docs-state")
        let store = try SQLiteStore(path: work.child("state.db"))
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        try store.saveEnvironment(EnvironmentRecord(name: "staging", kind: .staging, sha: world.sha, contentID: "c",
                                                    specFile: "environments/staging.yaml", status: .healthy, url: "http://127.0.0.1:9",
                                                    createdAt: now, updatedAt: now))
        try store.saveEnvironment(EnvironmentRecord(name: "pr-4", kind: .preview, pullRequest: 4, sha: world.sha, contentID: "c",
                                                    specFile: "environments/preview.yaml", status: .tornDown, createdAt: now, updatedAt: now))
        let out = try TemporaryDirectory(prefix: "slipway-docs-out")
        let result = runCLI(["docs", "generate", "--repo", world.git.path, "--work-dir", work.path, "--write", out.path])
        #expect(result.code == 0, "\(result.err)")
        let environments = try String(contentsOfFile: out.child("environments.md"), encoding: .utf8)
        #expect(environments.contains("## Observed running (as of the staging deploy of `\(world.sha)`)"), "\(environments)")
        #expect(environments.contains("- Status: `healthy` at commit `\(world.sha)`. <!-- src: deploy:staging @ observed:store environments -->"))
        #expect(environments.contains("- URL: `http://127.0.0.1:9`."))
        #expect(!environments.contains("pr-4"), "a torn-down preview is not running")
        #expect(try String(contentsOfFile: out.child("graph.json"), encoding: .utf8).contains("\"deploy:staging -> DEPLOYMENT_OF\"") == false)
        #expect(try String(contentsOfFile: out.child("relationships.md"), encoding: .utf8)
            .contains("deploy:staging -> DEPLOYMENT_OF -> env:staging  # observed:store environments"))

        let plain = try TemporaryDirectory(prefix: "slipway-docs-out")
        #expect(runCLI(["docs", "generate", "--repo", world.git.path, "--write", plain.path]).code == 0)
        let files = try String(contentsOfFile: plain.child("environments.md"), encoding: .utf8)
        #expect(files.contains("> No observed state available: these pages were generated from the files alone."))
        #expect(!files.contains("deploy:staging"))
        let missing = runCLI(["docs", "generate", "--repo", world.git.path, "--work-dir", work.child("nothing")])
        #expect(missing.code == 1 && missing.err.contains("no state store at"), "\(missing.err)")
    }
}
