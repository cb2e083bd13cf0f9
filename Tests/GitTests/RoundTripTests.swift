import Foundation
import Testing
import TestSupport
@testable import Git

@Suite("Round trips against bare repositories on disk")
struct RoundTripTests {
    @Test("create makes a repository whose HEAD names the initial branch, and open finds it again")
    func createAndOpen() throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let bare = try Repository.create(at: temporary.child("nested/remote.git"), bare: true, initialBranch: "trunk")
        #expect(bare.isBare)
        #expect(try git("symbolic-ref", "HEAD", in: bare.path).trimmed == "refs/heads/trunk")
        #expect(try git("rev-parse", "--is-bare-repository", in: bare.path).trimmed == "true")
        #expect(realPath(try Repository.open(at: temporary.child("nested/remote.git")).path) == realPath(temporary.child("nested/remote.git")))

        let work = try Repository.create(at: temporary.child("work"), bare: false)
        #expect(!work.isBare)
        #expect(realPath(work.path) == realPath(temporary.child("work")))
        #expect(try git("symbolic-ref", "HEAD", in: work.path).trimmed == "refs/heads/main")

        let missing = #expect(throws: GitError.self) { try Repository.open(at: temporary.child("absent")) }
        #expect(missing?.kind == .notFound)
        #expect(missing?.function == "git_repository_open_ext")
    }

    @Test("changes committed in a clone and pushed read back identically through the git CLI and libgit2",
          arguments: [false, true])
    func roundTrip(throughFileURL: Bool) throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let remotePath = temporary.child("remote.git")
        _ = try Repository.create(at: remotePath, bare: true)
        let source = throughFileURL ? URL(fileURLWithPath: remotePath).absoluteString : remotePath

        // Clone the empty remote, commit a first layout, push it.
        let writer = try Repository.clone(from: source, to: temporary.child("writer"), bare: true)
        #expect(try writer.remoteURL(name: "origin") == source)
        #expect(try writer.remoteURL(name: "upstream") == nil)
        let first = try writer.commit(
            changes: [
                "README.md": Samples.text("hello\n"),
                "docs/guide.md": Samples.text("guide\n"),
                "scripts/deploy.sh": .write(Data("#!/bin/sh\necho deploy\n".utf8), executable: true),
                "apps/web/values.yaml": Samples.text("replicas: 1\n"),
            ],
            onBranch: "main", parent: nil, author: Samples.author, message: "Initial layout")
        try writer.push(refspecs: ["refs/heads/main:refs/heads/main"])
        #expect(try git.revParse("refs/heads/main", in: remotePath) == first.hex)

        // Modify, add nested, delete the last file of a folder, delete an absent path.
        let second = try writer.commit(
            changes: [
                "README.md": Samples.text("hello, world\n"),
                "apps/web/overlays/prod/patch.yaml": Samples.text("replicas: 5\n"),
                "docs/guide.md": .delete,
                "missing/file.txt": .delete,
                "bin/tool": .write(Data("#!/bin/sh\n".utf8), executable: true),
            ],
            onBranch: "main", parent: first, author: Samples.author, committer: Samples.committer,
            message: "Second change\n\nWith a body line.")
        try writer.push(refspecs: ["refs/heads/main:refs/heads/main"])

        // The git CLI judges what arrived on the remote.
        try git("fsck", "--strict", in: remotePath)
        let fields = try git("log", "-1", "--format=%H%n%P%n%an%n%ae%n%at%n%ai%n%cn%n%ce%n%ct%n%ci%n%B", "main", in: remotePath)
            .components(separatedBy: "\n")
        #expect(Array(fields.prefix(10)) == [
            second.hex, first.hex, "Ada Lovelace", "ada@example.test", "1700000000", "2023-11-15 00:13:20 +0200",
            "Slipway Bot", "bot@example.test", "1700000600", "2023-11-14 17:23:20 -0500",
        ])
        #expect(fields.dropFirst(10).joined(separator: "\n").trimmed == "Second change\n\nWith a body line.")
        let firstFields = try git("log", "-1", "--format=%P|%cn|%B", first.hex, in: remotePath)
        #expect(firstFields == "|Ada Lovelace|Initial layout\n\n")

        let listing = try git("ls-tree", "-r", "main", in: remotePath).lines.map { line -> String in
            let parts = line.split(separator: "\t")
            return parts[0].split(separator: " ")[0] + " " + parts[1]
        }
        #expect(listing == [
            "100644 README.md",
            "100644 apps/web/overlays/prod/patch.yaml",
            "100644 apps/web/values.yaml",
            "100755 bin/tool",
            "100755 scripts/deploy.sh",
        ])
        #expect(try git("show", "main:README.md", in: remotePath) == "hello, world\n")
        #expect(try git("ls-tree", "main", "docs", in: remotePath).isEmpty)
        #expect(try git("ls-tree", "--name-only", "-r", first.hex, in: remotePath).lines.contains("docs/guide.md"))

        // A second clone with a work tree sees the same files on disk.
        let reader = try Repository.clone(from: source, to: temporary.child("reader"))
        #expect(!reader.isBare)
        #expect(try String(contentsOfFile: temporary.child("reader/README.md"), encoding: .utf8) == "hello, world\n")
        #expect(try isExecutableFile(temporary.child("reader/scripts/deploy.sh")))
        #expect(try !isExecutableFile(temporary.child("reader/apps/web/values.yaml")))

        // A third commit arrives through fetch and reads back through libgit2.
        let third = try writer.commit(
            changes: ["apps/web/values.yaml": Samples.text("replicas: 3\n")],
            onBranch: "main", parent: second, author: Samples.author, message: "Scale up\n")
        try writer.push(refspecs: ["refs/heads/main:refs/heads/main"])
        try reader.fetch(refspecs: ["+refs/heads/*:refs/remotes/origin/*"])
        #expect(try reader.resolve("refs/remotes/origin/main") == third)
        #expect(try reader.blob(at: "apps/web/values.yaml", commit: third) == Data("replicas: 3\n".utf8))
        #expect(try reader.blob(at: "apps/web/values.yaml", commit: second) == Data("replicas: 1\n".utf8))
        #expect(try reader.blob(at: "docs/guide.md", commit: third) == nil)
        #expect(try reader.blob(at: "docs/guide.md", commit: first) == Data("guide\n".utf8))

        let info = try reader.commit(second)
        #expect(info.id == second)
        #expect(info.parents == [first])
        #expect(info.message == "Second change\n\nWith a body line.\n")
        #expect(info.summary == "Second change")
        #expect(info.author == Samples.author)
        #expect(info.committer == Samples.committer)
        #expect(info.treeID.hex == (try git.revParse("\(second.hex)^{tree}", in: remotePath)))
        #expect(try reader.commit(third).committer == Samples.author)

        let entries = try reader.tree(at: third, recursive: true)
        let judged = try git("ls-tree", "-r", third.hex, in: temporary.child("reader")).lines
        #expect(entries.map { "\($0.isExecutable ? "100755" : "100644") blob \($0.id.hex)\t\($0.path)" } == judged)
    }

    @Test("fetch brings refs/pull/*/head through an explicit refspec and prune drops deleted ones")
    func fetchPullRequestRefs() throws {
        let temporary = try TemporaryDirectory()
        let remote = try Repository.create(at: temporary.child("remote.git"), bare: true)
        let base = try remote.commit(changes: ["a.txt": Samples.text("a\n")], onBranch: "main", parent: nil,
                                     author: Samples.author, message: "base")
        let pr1 = try remote.commit(changes: ["b.txt": Samples.text("b\n")], onBranch: "refs/pull/1/head", parent: base,
                                    author: Samples.author, message: "pr 1")
        try remote.updateReference(name: "refs/pull/2/head", to: base, expected: nil)

        let local = try Repository.clone(from: remote.path, to: temporary.child("local"), bare: true)
        #expect(try local.references(glob: "refs/remotes/origin/pull/*").isEmpty)
        let refspecs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/pull/*/head:refs/remotes/origin/pull/*"]
        try local.fetch(refspecs: refspecs)
        #expect(try local.references(glob: "refs/remotes/origin/pull/*") == [
            Reference(name: "refs/remotes/origin/pull/1", target: pr1),
            Reference(name: "refs/remotes/origin/pull/2", target: base),
        ])
        #expect(try local.blob(at: "b.txt", commit: pr1) == Data("b\n".utf8))

        try remote.deleteReference(name: "refs/pull/1/head")
        try local.fetch(refspecs: refspecs)
        #expect(try local.references(glob: "refs/remotes/origin/pull/*").count == 2)
        try local.fetch(refspecs: refspecs, prune: true)
        #expect(try local.references(glob: "refs/remotes/origin/pull/*").map(\.name) == ["refs/remotes/origin/pull/2"])

        let unknown = #expect(throws: GitError.self) { try local.fetch(remote: "nowhere", refspecs: refspecs) }
        #expect(unknown?.kind == .notFound)
    }

    @Test("a push that is not a fast-forward fails with .nonFastForward and leaves the remote ref untouched")
    func nonFastForwardPush() throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let remotePath = temporary.child("remote.git")
        let remote = try Repository.create(at: remotePath, bare: true)
        let base = try remote.commit(changes: ["a.txt": Samples.text("a\n")], onBranch: "main", parent: nil,
                                     author: Samples.author, message: "base")
        let alice = try Repository.clone(from: remotePath, to: temporary.child("alice"), bare: true)
        let bob = try Repository.clone(from: remotePath, to: temporary.child("bob"), bare: true)

        let fromAlice = try alice.commit(changes: ["a.txt": Samples.text("alice\n")], onBranch: "main", parent: base,
                                         author: Samples.author, message: "alice")
        try alice.push(refspecs: ["refs/heads/main:refs/heads/main"])
        let fromBob = try bob.commit(changes: ["a.txt": Samples.text("bob\n")], onBranch: "main", parent: base,
                                     author: Samples.author, message: "bob")

        let rejected = #expect(throws: GitError.self) { try bob.push(refspecs: ["refs/heads/main:refs/heads/main"]) }
        #expect(rejected?.kind == .nonFastForward)
        #expect(try git.revParse("refs/heads/main", in: remotePath) == fromAlice.hex)

        let forced = #expect(throws: GitError.self) { try bob.push(refspecs: ["+refs/heads/main:refs/heads/main"]) }
        #expect(forced?.kind == .invalidArgument)
        #expect(try git.revParse("refs/heads/main", in: remotePath) == fromAlice.hex)

        // After fetching, Bob rebuilds on Alice's commit and the push is a fast-forward.
        try bob.fetch(refspecs: ["+refs/heads/*:refs/remotes/origin/*"])
        let tip = try bob.resolve("refs/remotes/origin/main")
        #expect(tip == fromAlice)
        try bob.updateReference(name: "refs/heads/main", to: tip, expected: fromBob)
        let rebuilt = try bob.commit(changes: ["b.txt": Samples.text("bob\n")], onBranch: "main", parent: tip,
                                     author: Samples.author, message: "bob again")
        try bob.push(refspecs: ["refs/heads/main:refs/heads/main"])
        #expect(try git.revParse("refs/heads/main", in: remotePath) == rebuilt.hex)
    }
}
