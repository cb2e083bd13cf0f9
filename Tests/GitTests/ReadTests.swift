import Foundation
import Testing
import TestSupport
@testable import Git

@Suite("Reading references, revisions, trees and blobs")
struct ReadTests {
    @Test("references lists 5,000 packed and loose refs by glob, matching git for-each-ref, in well under a second")
    func manyReferences() throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let repository = try Repository.create(at: temporary.child("repo.git"), bare: true)
        let base = try repository.commit(changes: ["a": Samples.text("a")], onBranch: "main", parent: nil,
                                         author: Samples.author, message: "a")
        let other = try repository.commit(changes: ["a": Samples.text("b")], onBranch: "main", parent: base,
                                          author: Samples.author, message: "b")
        let pullCommands = (1...5_000).map { "create refs/pull/\($0)/head \($0 % 2 == 0 ? base.hex : other.hex)" }
        try git.run(["update-ref", "--stdin"], in: repository.path, input: pullCommands.joined(separator: "\n") + "\n")
        try git("pack-refs", "--all", in: repository.path)
        // Loose refs on top: new branches, and one loose ref overriding its packed value.
        let branchCommands = (1...100).map { "create refs/heads/feature-\($0) \(base.hex)" }
        try git.run(["update-ref", "--stdin"], in: repository.path, input: branchCommands.joined(separator: "\n") + "\n")
        try git("update-ref", "refs/pull/7/head", base.hex, in: repository.path)

        let clock = ContinuousClock()
        var all: [Reference] = []
        var pulls: [Reference] = []
        let elapsed = try clock.measure {
            all = try repository.references()
            pulls = try repository.references(glob: "refs/pull/*/head")
        }
        #expect(elapsed < .seconds(1), "listing took \(elapsed)")

        let judged = try git("for-each-ref", "--format=%(refname) %(objectname)", in: repository.path).lines
        #expect(all.map { "\($0.name) \($0.target.hex)" } == judged.sorted())
        #expect(all.count == 5_000 + 100 + 1)
        #expect(pulls.count == 5_000)
        #expect(pulls.first { $0.name == "refs/pull/7/head" }?.target == base)
        #expect(try repository.references(glob: "refs/heads/*").count == 101)
        #expect(try repository.references(glob: "refs/heads/feature-1?").map(\.name) ==
                (10...19).map { "refs/heads/feature-\($0)" })
        #expect(try repository.references(glob: "refs/tags/*").isEmpty)
        #expect(try repository.references(glob: "refs/*").count == all.count, "`*` also matches `/`")
    }

    @Test("resolve finds branches, tags, annotated tags, short ids and expressions, and reports .notFound")
    func resolveRevisions() throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let repository = try Repository.create(at: temporary.child("repo.git"), bare: true)
        let first = try repository.commit(changes: ["a": Samples.text("1")], onBranch: "main", parent: nil,
                                          author: Samples.author, message: "1")
        let second = try repository.commit(changes: ["a": Samples.text("2")], onBranch: "main", parent: first,
                                           author: Samples.author, message: "2")
        try git("tag", "v1", first.hex, in: repository.path)
        try git("tag", "-a", "-m", "release 2", "v2", second.hex, in: repository.path)

        #expect(try repository.resolve("main") == second)
        #expect(try repository.resolve("refs/heads/main") == second)
        #expect(try repository.resolve("HEAD") == second)
        #expect(try repository.resolve("main~1") == first)
        #expect(try repository.resolve("v1") == first)
        #expect(try repository.resolve("v2") == second)
        #expect(try repository.resolve(second.hex) == second)
        #expect(try repository.resolve(first.short(8)) == first)

        let tagObject = try git.revParse("refs/tags/v2", in: repository.path)
        #expect(try repository.references(glob: "refs/tags/*") == [
            Reference(name: "refs/tags/v1", target: first),
            Reference(name: "refs/tags/v2", target: try #require(ObjectID(hex: tagObject))),
        ])

        for missing in ["nope", "refs/heads/nope", "main~5", String(repeating: "ab", count: 20)] {
            let error = #expect(throws: GitError.self, "\(missing)") { try repository.resolve(missing) }
            #expect(error?.kind == .notFound, "\(missing): \(String(describing: error))")
        }
        let unknown = try #require(ObjectID(hex: String(repeating: "0123", count: 10)))
        let error = #expect(throws: GitError.self) { try repository.commit(unknown) }
        #expect(error?.kind == .notFound)
        #expect(error?.function == "git_commit_lookup")
    }

    @Test("tree lists folders in git's order like git ls-tree, and blob returns nil for missing paths")
    func treesAndBlobs() throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let repository = try Repository.create(at: temporary.child("repo.git"), bare: true)
        // Names chosen so that git's order (folders sort as "name/") differs from plain sorting.
        let commit = try repository.commit(
            changes: [
                "a.txt": Samples.text("dot\n"),
                "a/b.txt": Samples.text("nested\n"),
                "a/c/d.yaml": Samples.text("deep\n"),
                "a-b": Samples.text("dash\n"),
                "a0": Samples.text("zero\n"),
                "empty": .write(Data()),
                "run.sh": .write(Data("#!/bin/sh\n".utf8), executable: true),
            ],
            onBranch: "main", parent: nil, author: Samples.author, message: "layout")

        let top = try repository.tree(at: commit)
        #expect(top.map(\.name) == (try git("ls-tree", "--name-only", commit.hex, in: repository.path).lines))
        #expect(top.first { $0.name == "a" }?.kind == .tree)
        #expect(top.first { $0.name == "run.sh" }?.isExecutable == true)
        #expect(top.first { $0.name == "a.txt" }?.isExecutable == false)

        let recursive = try repository.tree(at: commit, recursive: true)
        let judged = try git("ls-tree", "-r", commit.hex, in: repository.path).lines
        #expect(recursive.map { "\($0.isExecutable ? "100755" : "100644") blob \($0.id.hex)\t\($0.path)" } == judged)

        let folder = try repository.tree(at: commit, path: "a")
        #expect(folder.map(\.path) == (try git("ls-tree", "--name-only", commit.hex, "a/", in: repository.path).lines))
        #expect(folder.map(\.name) == ["b.txt", "c"])
        #expect(try repository.tree(at: commit, path: "/a/c/").map(\.path) == ["a/c/d.yaml"])
        #expect(try repository.tree(at: commit, path: "a", recursive: true).map(\.path) == ["a/b.txt", "a/c/d.yaml"])

        #expect(try repository.blob(at: "a/c/d.yaml", commit: commit) == Data("deep\n".utf8))
        #expect(try repository.blob(at: "empty", commit: commit) == Data())
        #expect(try repository.blob(at: "a/missing.yaml", commit: commit) == nil)
        #expect(try repository.blob(at: "nowhere/at/all", commit: commit) == nil)
        #expect(try repository.blob(at: "a.txt/inside", commit: commit) == nil)

        let folderAsFile = #expect(throws: GitError.self) { try repository.blob(at: "a/c", commit: commit) }
        #expect(folderAsFile?.kind == .invalidArgument)
        let fileAsFolder = #expect(throws: GitError.self) { try repository.tree(at: commit, path: "a.txt") }
        #expect(fileAsFolder?.kind == .invalidArgument)
        let missingFolder = #expect(throws: GitError.self) { try repository.tree(at: commit, path: "zzz") }
        #expect(missingFolder?.kind == .notFound)
        let escape = #expect(throws: GitError.self) { try repository.blob(at: "../etc/passwd", commit: commit) }
        #expect(escape?.kind == .invalidArgument)
    }
}
