import Foundation
import Testing
import TestSupport
@testable import Git

/// Pushing to a remote on the local disk (a path or a `file://` URL): the destination ref moves
/// by compare-and-swap under git's ref lock, so concurrent pushers (libgit2 or the git CLI)
/// never drop each other's commits. The git CLI judges every outcome.
@Suite("Race-safe pushes to local remotes")
struct LocalPushTests {
    /// A bare remote with one commit on `main`, reachable by path or by `file://` URL. The path
    /// has a space, so that the URL carries a percent-escape.
    struct Remote {
        let temporary: TemporaryDirectory
        let git: GitCLI
        let path: String
        let source: String
        let base: ObjectID

        init(fileURL: Bool) throws {
            temporary = try TemporaryDirectory(prefix: "local-push")
            git = try GitCLI()
            path = temporary.child("remote store.git")
            let remote = try Repository.create(at: path, bare: true)
            base = try remote.commit(changes: ["base.txt": Samples.text("base\n")], onBranch: "main", parent: nil,
                                     author: Samples.author, message: "base")
            source = fileURL ? URL(fileURLWithPath: path).absoluteString : path
        }

        func clone(_ name: String) throws -> Repository {
            try Repository.clone(from: source, to: temporary.child(name), bare: true)
        }

        func main() throws -> String { try git.revParse("refs/heads/main", in: path) }

        /// What must hold after every push, whatever its outcome.
        func expectClean(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let fsck = try git.attempt("fsck", "--strict", "--no-progress", in: path)
            #expect(fsck.status == 0, "git fsck --strict: \(fsck)", sourceLocation: sourceLocation)
        }

        /// A work-tree clone for the git CLI, committing `file` on the current `main`.
        func cliCommit(in name: String, file: String) throws -> String {
            let work = temporary.child(name)
            if !FileManager.default.fileExists(atPath: work) {
                // --no-local: git's local clone hardlinks object files and refuses one that libgit2
                // is still writing next to it ("hardlink different from source"); the transport
                // reads only complete objects, like a clone from another machine.
                try git("clone", "-q", "--no-local", source, work)
            } else {
                try git("fetch", "-q", "origin", in: work)
            }
            try git("switch", "-q", "-C", "main", "origin/main", in: work)
            _ = FileManager.default.createFile(atPath: work + "/" + file, contents: Data("\(file)\n".utf8))
            try git("add", file, in: work)
            try git("commit", "-q", "-m", "cli \(file)", in: work)
            return try git.revParse("HEAD", in: work)
        }
    }

    /// Fetches the remote tip, commits `file` on it and pushes; on `.nonFastForward` it fetches
    /// and commits again on the new tip. Returns the commit that landed and the attempts made.
    static func commitAndPush(_ repo: Repository, file: String, maxAttempts: Int = 200) throws -> (ObjectID, Int) {
        for attempt in 1...maxAttempts {
            try repo.fetch(refspecs: ["+refs/heads/main:refs/remotes/origin/main"])
            let tip = try repo.resolve("refs/remotes/origin/main")
            let local = try? repo.resolve("refs/heads/main")
            if local != tip { try repo.updateReference(name: "refs/heads/main", to: tip, expected: local) }
            let commit = try repo.commit(changes: [file: Samples.text("\(file)\n")], onBranch: "main", parent: tip,
                                         author: Samples.author, message: "add \(file)")
            do {
                try repo.push(refspecs: ["refs/heads/main:refs/heads/main"])
                return (commit, attempt)
            } catch let error as GitError where error.kind == .nonFastForward {
                continue
            }
        }
        throw GitError(function: "test", code: -1, errorClass: 0, message: "\(file): gave up after \(maxAttempts) attempts",
                       kind: .other)
    }

    /// Collects results from pusher threads.
    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var commits: [ObjectID] = []
        private(set) var failures: [String] = []
        private(set) var attempts = 0

        func landed(_ commit: ObjectID, attempts count: Int) {
            lock.withLock { commits.append(commit); attempts += count }
        }

        func failed(_ message: String) { lock.withLock { failures.append(message) } }
    }

    @Test("8 concurrent pushers (fetching while the others push), each retrying on .nonFastForward, land every commit exactly once",
          arguments: [false, true])
    func concurrentPushers(fileURL: Bool) throws {
        let remote = try Remote(fileURL: fileURL)
        let pushers = 8, commitsEach = 4
        let clonePaths = try (0..<pushers).map { index in try remote.clone("pusher-\(index)").path }
        let outcomes = Outcomes()
        let group = DispatchGroup()
        let started = Date()
        for index in 0..<pushers {
            group.enter()
            let path = clonePaths[index]
            let thread = Thread {
                defer { group.leave() }
                do {
                    let repo = try Repository.open(at: path)  // One handle per thread.
                    for number in 0..<commitsEach {
                        let (commit, attempts) = try Self.commitAndPush(repo, file: "pusher-\(index)/commit-\(number).txt")
                        outcomes.landed(commit, attempts: attempts)
                    }
                } catch {
                    outcomes.failed("pusher \(index): \(error)")
                }
            }
            thread.start()
        }
        #expect(group.wait(timeout: .now() + 60) == .success, "the pushers did not finish within 60 s")
        let elapsed = Date().timeIntervalSince(started)
        #expect(outcomes.failures.isEmpty, "\(outcomes.failures)")
        print("8 local pushers (\(fileURL ? "file:// URL" : "path")): \(outcomes.commits.count) commits, \(outcomes.attempts) attempts, \(String(format: "%.2f", elapsed)) s")

        let total = pushers * commitsEach
        #expect(try remote.git("rev-list", "--count", "main", in: remote.path).trimmed == "\(1 + total)")
        let reachable = Set(try remote.git("rev-list", "main", in: remote.path).lines)
        #expect(outcomes.commits.count == total)
        #expect(outcomes.commits.allSatisfy { reachable.contains($0.hex) })
        let files = try remote.git("ls-tree", "-r", "--name-only", "main", in: remote.path).lines
        #expect(files.count == 1 + total)
        // A straight line: each commit has exactly one parent, so nobody's history was replaced.
        #expect(try remote.git("rev-list", "--min-parents=2", "main", in: remote.path).isEmpty)
        try remote.expectClean()
    }

    @Test("a push racing git push from the CLI never drops the CLI's commits")
    func racingTheCLI() throws {
        let remote = try Remote(fileURL: false)
        let rounds = 5
        let bot = try remote.clone("bot")
        let botPath = bot.path
        let outcomes = Outcomes()
        let group = DispatchGroup()
        group.enter()
        let cli = Thread {
            defer { group.leave() }
            do {
                for number in 0..<rounds {
                    let commit = try remote.cliCommit(in: "cli", file: "cli-\(number).txt")
                    var pushed = false
                    for _ in 0..<100 where !pushed {
                        let push = try remote.git.attempt("push", "-q", "origin", "HEAD:refs/heads/main", in: remote.temporary.child("cli"))
                        if push.status == 0 { pushed = true; break }
                        try remote.git("pull", "-q", "--rebase", "origin", "main", in: remote.temporary.child("cli"))
                    }
                    if !pushed { outcomes.failed("the CLI could not push \(commit)") }
                }
            } catch {
                outcomes.failed("CLI: \(error)")
            }
        }
        group.enter()
        let libgit2 = Thread {
            defer { group.leave() }
            do {
                let repo = try Repository.open(at: botPath)
                for number in 0..<rounds {
                    let (commit, attempts) = try Self.commitAndPush(repo, file: "bot-\(number).txt")
                    outcomes.landed(commit, attempts: attempts)
                }
            } catch {
                outcomes.failed("bot: \(error)")
            }
        }
        cli.start()
        libgit2.start()
        #expect(group.wait(timeout: .now() + 60) == .success, "the pushers did not finish within 60 s")
        #expect(outcomes.failures.isEmpty, "\(outcomes.failures)")

        #expect(try remote.git("rev-list", "--count", "main", in: remote.path).trimmed == "\(1 + 2 * rounds)")
        let files = Set(try remote.git("ls-tree", "-r", "--name-only", "main", in: remote.path).lines)
        #expect(files == Set(["base.txt"] + (0..<rounds).flatMap { ["cli-\($0).txt", "bot-\($0).txt"] }))
        try remote.expectClean()
    }

    @Test("a CLI push landing after our objects were sent and before our ref update makes ours .nonFastForward",
          arguments: [false, true])
    func cliPushBetweenTheSteps(fileURL: Bool) throws {
        let remote = try Remote(fileURL: fileURL)
        let bot = try remote.clone("bot")
        let ours = try bot.commit(changes: ["bot.txt": Samples.text("bot\n")], onBranch: "main", parent: remote.base,
                                  author: Samples.author, message: "bot")
        var theirs = ""
        let refused = #expect(throws: GitError.self) {
            try bot.pushToLocalRemote(refspecs: ["refs/heads/main:refs/heads/main"]) {
                // Our objects are in the remote, the branch has not moved yet; the git CLI pushes now.
                #expect(try remote.git.attempt("cat-file", "-e", ours.hex, in: remote.path).status == 0)
                #expect(try remote.main() == remote.base.hex)
                theirs = try remote.cliCommit(in: "cli", file: "cli.txt")
                try remote.git("push", "-q", "origin", "HEAD:refs/heads/main", in: remote.temporary.child("cli"))
            }
        }
        #expect(refused?.kind == .nonFastForward, "\(String(describing: refused))")
        #expect(refused?.message.contains("refs/heads/main") == true)
        #expect(try remote.main() == theirs)
        #expect(try bot.resolve("refs/remotes/origin/main") == remote.base, "the tracking ref moved for a refused push")
        try remote.expectClean()

        // The same race on a branch that does not exist yet: the CLI creates it first.
        let created = #expect(throws: GitError.self) {
            try bot.pushToLocalRemote(refspecs: ["refs/heads/main:refs/heads/feature"]) {
                try remote.git("push", "-q", "origin", "HEAD:refs/heads/feature", in: remote.temporary.child("cli"))
            }
        }
        #expect(created?.kind == .nonFastForward, "\(String(describing: created))")
        #expect(try remote.git.revParse("refs/heads/feature", in: remote.path) == theirs)
        try remote.expectClean()

        // After fetching, the bot's commit on top of the CLI's goes through.
        try bot.fetch(refspecs: ["+refs/heads/main:refs/remotes/origin/main"])
        let fetched = try bot.resolve("refs/remotes/origin/main")
        #expect(fetched.hex == theirs)
        try bot.updateReference(name: "refs/heads/main", to: fetched, expected: ours)
        let onTop = try bot.commit(changes: ["bot.txt": Samples.text("bot\n")], onBranch: "main", parent: fetched,
                                   author: Samples.author, message: "bot again")
        try bot.push(refspecs: ["refs/heads/main:refs/heads/main"])
        #expect(try remote.main() == onTop.hex)
        #expect(try bot.resolve("refs/remotes/origin/main") == onTop)
        try remote.expectClean()
    }

    @Test("a stale push fails with .nonFastForward and leaves the remote untouched; forcing is refused",
          arguments: [false, true])
    func stalePush(fileURL: Bool) throws {
        let remote = try Remote(fileURL: fileURL)
        let alice = try remote.clone("alice")
        let bob = try remote.clone("bob")
        let fromAlice = try alice.commit(changes: ["a.txt": Samples.text("alice\n")], onBranch: "main", parent: remote.base,
                                         author: Samples.author, message: "alice")
        try alice.push(refspecs: ["refs/heads/main:refs/heads/main"])
        #expect(try alice.resolve("refs/remotes/origin/main") == fromAlice)
        _ = try bob.commit(changes: ["a.txt": Samples.text("bob\n")], onBranch: "main", parent: remote.base,
                           author: Samples.author, message: "bob")
        let refsBefore = try remote.git("for-each-ref", in: remote.path)

        let stale = #expect(throws: GitError.self) { try bob.push(refspecs: ["refs/heads/main:refs/heads/main"]) }
        #expect(stale?.kind == .nonFastForward, "\(String(describing: stale))")
        #expect(stale?.code == -11)
        let forced = #expect(throws: GitError.self) { try bob.push(refspecs: ["+refs/heads/main:refs/heads/main"]) }
        #expect(forced?.kind == .invalidArgument)
        let unqualified = #expect(throws: GitError.self) { try bob.push(refspecs: ["refs/heads/main:main"]) }
        #expect(unqualified?.kind == .invalidArgument)
        let missing = #expect(throws: GitError.self) { try bob.push(refspecs: ["refs/heads/absent:refs/heads/main"]) }
        #expect(missing != nil)

        #expect(try remote.git("for-each-ref", in: remote.path) == refsBefore)
        #expect(try remote.main() == fromAlice.hex)
        #expect(try bob.resolve("refs/remotes/origin/main") == remote.base)
        try remote.expectClean()
    }

    @Test("pushing creates a new branch, updates the tracking ref, and deletes a branch with an empty source",
          arguments: [false, true])
    func newBranchAndDeletion(fileURL: Bool) throws {
        let remote = try Remote(fileURL: fileURL)
        let repo = try remote.clone("repo")
        let feature = try repo.commit(changes: ["f.txt": Samples.text("feature\n")], onBranch: "feature", parent: remote.base,
                                      author: Samples.author, message: "feature")
        try repo.push(refspecs: ["refs/heads/feature:refs/heads/feature", "refs/heads/feature:refs/heads/other"])
        #expect(try remote.git.revParse("refs/heads/feature", in: remote.path) == feature.hex)
        #expect(try remote.git.revParse("refs/heads/other", in: remote.path) == feature.hex)
        #expect(try repo.resolve("refs/remotes/origin/feature") == feature)
        #expect(try remote.main() == remote.base.hex)
        // Pushing the same value again is a no-op success.
        try repo.push(refspecs: ["refs/heads/feature:refs/heads/feature"])
        try remote.expectClean()

        // An annotated tag (made by the CLI in the clone) arrives as the tag object.
        try remote.git("tag", "-a", "v1", "-m", "release 1", "refs/heads/feature", in: repo.path)
        try repo.push(refspecs: ["refs/tags/v1:refs/tags/v1"])
        #expect(try remote.git("cat-file", "-t", "refs/tags/v1", in: remote.path).trimmed == "tag")
        #expect(try remote.git.revParse("refs/tags/v1^{commit}", in: remote.path) == feature.hex)
        try remote.expectClean()

        try repo.push(refspecs: [":refs/heads/other"])
        #expect(try remote.git("for-each-ref", "--format=%(refname)", in: remote.path).lines
                == ["refs/heads/feature", "refs/heads/main", "refs/tags/v1"])
        #expect(throws: Never.self, "deleting a ref that is already gone succeeds, as libgit2 always had it") {
            try repo.push(refspecs: [":refs/heads/other"])
        }
        #expect(try remote.git("for-each-ref", "--format=%(refname)", in: remote.path).lines
                == ["refs/heads/feature", "refs/heads/main", "refs/tags/v1"])
        #expect(throws: GitError.self) { try repo.resolve("refs/remotes/origin/other") }
        try remote.expectClean()
    }

    @Test("a ref locked by someone else (as git itself locks it) is never overwritten: .locked after a short wait")
    func respectsTheRefLock() throws {
        let remote = try Remote(fileURL: false)
        let repo = try remote.clone("repo")
        let commit = try repo.commit(changes: ["x.txt": Samples.text("x\n")], onBranch: "main", parent: remote.base,
                                     author: Samples.author, message: "x")
        let lockPath = remote.path + "/refs/heads/main.lock"
        let locked = #expect(throws: GitError.self) {
            try repo.pushToLocalRemote(refspecs: ["refs/heads/main:refs/heads/main"], lockPatience: 0.2) {
                #expect(FileManager.default.createFile(atPath: lockPath, contents: Data()))
            }
        }
        #expect(locked?.kind == .locked, "\(String(describing: locked))")
        #expect(FileManager.default.fileExists(atPath: lockPath), "someone else's lock file was removed")
        #expect(try remote.main() == remote.base.hex)
        try FileManager.default.removeItem(atPath: lockPath)
        try remote.expectClean()

        try repo.push(refspecs: ["refs/heads/main:refs/heads/main"])
        #expect(try remote.main() == commit.hex)
    }

    @Test("local remotes are recognised as libgit2 recognises them")
    func localRemoteDetection() throws {
        let temporary = try TemporaryDirectory()
        #expect(Repository.localPath(ofRemoteURL: "file:///srv/git/a%20b.git") == "/srv/git/a b.git")
        #expect(Repository.localPath(ofRemoteURL: "file://localhost/srv/x.git") == "/srv/x.git")
        #expect(Repository.localPath(ofRemoteURL: "file://elsewhere/srv/x.git") == nil)
        #expect(Repository.localPath(ofRemoteURL: temporary.path) == temporary.path)
        #expect(Repository.localPath(ofRemoteURL: temporary.child("missing")) == nil)
        #expect(Repository.localPath(ofRemoteURL: "https://example.test/repo.git") == nil)
        #expect(Repository.localPath(ofRemoteURL: "git@example.test:repo.git") == nil)
    }
}
