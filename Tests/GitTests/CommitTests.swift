import Foundation
import Testing
import TestSupport
@testable import Git

@Suite("Committing change sets and moving references")
struct CommitTests {
    @Test("commit with a stale parent fails with .conflict and leaves the branch where it was")
    func staleParent() throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let repository = try Repository.create(at: temporary.child("repo.git"), bare: true)
        let base = try repository.commit(changes: ["a.txt": Samples.text("1\n")], onBranch: "main", parent: nil,
                                         author: Samples.author, message: "base")
        let next = try repository.commit(changes: ["a.txt": Samples.text("2\n")], onBranch: "main", parent: base,
                                         author: Samples.author, message: "next")

        let stale = #expect(throws: GitError.self) {
            try repository.commit(changes: ["a.txt": Samples.text("3\n")], onBranch: "main", parent: base,
                                  author: Samples.author, message: "stale")
        }
        #expect(stale?.kind == .conflict)
        #expect(try git.revParse("refs/heads/main", in: repository.path) == next.hex)

        let recreated = #expect(throws: GitError.self) {
            try repository.commit(changes: ["a.txt": Samples.text("4\n")], onBranch: "main", parent: nil,
                                  author: Samples.author, message: "as if new")
        }
        #expect(recreated?.kind == .conflict)
        #expect(try git.revParse("refs/heads/main", in: repository.path) == next.hex)

        // A branch that does not exist yet is created off the given parent.
        let feature = try repository.commit(changes: ["b.txt": Samples.text("b\n")], onBranch: "feature/x", parent: base,
                                            author: Samples.author, message: "feature")
        #expect(try git.revParse("refs/heads/feature/x^", in: repository.path) == base.hex)
        #expect(try repository.resolve("feature/x") == feature)
        try git("fsck", "--strict", in: repository.path)
    }

    @Test("updateReference is a compare-and-swap and deleteReference reports missing refs")
    func referenceUpdates() throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let repository = try Repository.create(at: temporary.child("repo.git"), bare: true)
        let first = try repository.commit(changes: ["a": Samples.text("1")], onBranch: "main", parent: nil,
                                          author: Samples.author, message: "1")
        let second = try repository.commit(changes: ["a": Samples.text("2")], onBranch: "main", parent: first,
                                           author: Samples.author, message: "2")

        try repository.updateReference(name: "refs/pull/9/head", to: first, expected: nil)
        #expect(try git.revParse("refs/pull/9/head", in: repository.path) == first.hex)
        let exists = #expect(throws: GitError.self) {
            try repository.updateReference(name: "refs/pull/9/head", to: second, expected: nil)
        }
        #expect(exists?.kind == .conflict)
        let moved = #expect(throws: GitError.self) {
            try repository.updateReference(name: "refs/pull/9/head", to: second, expected: second)
        }
        #expect(moved?.kind == .conflict)
        let absent = #expect(throws: GitError.self) {
            try repository.updateReference(name: "refs/pull/10/head", to: second, expected: first)
        }
        #expect(absent?.kind == .conflict)
        try repository.updateReference(name: "refs/pull/9/head", to: second, expected: first)
        #expect(try git.revParse("refs/pull/9/head", in: repository.path) == second.hex)

        try repository.deleteReference(name: "refs/pull/9/head")
        #expect(try git.attempt("rev-parse", "--verify", "--quiet", "refs/pull/9/head", in: repository.path).status != 0)
        let gone = #expect(throws: GitError.self) { try repository.deleteReference(name: "refs/pull/9/head") }
        #expect(gone?.kind == .notFound)
    }

    @Test("commit refuses bad paths and file/folder clashes without moving the branch")
    func invalidChanges() throws {
        let temporary = try TemporaryDirectory()
        let repository = try Repository.create(at: temporary.child("repo.git"), bare: true)
        let base = try repository.commit(
            changes: ["README.md": Samples.text("r"), "scripts/run.sh": Samples.text("s")],
            onBranch: "main", parent: nil, author: Samples.author, message: "base")

        let badSets: [[String: FileChange]] = [
            ["../escape": Samples.text("x")],
            ["a//b": Samples.text("x")],
            [".git/config": Samples.text("x")],
            ["deep/.GIT/hooks": Samples.text("x")],
            ["": Samples.text("x")],
            ["scripts": Samples.text("a file over a folder")],
            ["README.md/inside": Samples.text("a folder through a file")],
            ["x": Samples.text("1"), "x/y": Samples.text("2")],
        ]
        for changes in badSets {
            let error = #expect(throws: GitError.self, "\(changes.keys.sorted())") {
                try repository.commit(changes: changes, onBranch: "main", parent: base, author: Samples.author, message: "bad")
            }
            #expect(error?.kind == .invalidArgument, "\(changes.keys.sorted()): \(String(describing: error))")
        }
        #expect(try repository.resolve("main") == base)

        // Deleting a whole folder is allowed.
        let cleaned = try repository.commit(changes: ["scripts": .delete], onBranch: "main", parent: base,
                                            author: Samples.author, message: "drop scripts")
        #expect(try repository.tree(at: cleaned).map(\.path) == ["README.md"])
    }

    @Test("commit in a repository with a work tree leaves the files and the index alone")
    func nonBareRepositoryUntouched() throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let remote = try Repository.create(at: temporary.child("remote.git"), bare: true)
        let base = try remote.commit(changes: ["README.md": Samples.text("before\n")], onBranch: "main", parent: nil,
                                     author: Samples.author, message: "base")
        let work = try Repository.clone(from: remote.path, to: temporary.child("work"))
        let indexPath = temporary.child("work/.git/index")
        let indexBefore = try Data(contentsOf: URL(fileURLWithPath: indexPath))

        let next = try work.commit(changes: ["README.md": Samples.text("after\n"), "new.txt": Samples.text("n\n")],
                                   onBranch: "main", parent: base, author: Samples.author, message: "next")
        #expect(try git.revParse("HEAD", in: work.path) == next.hex)
        #expect(try String(contentsOfFile: temporary.child("work/README.md"), encoding: .utf8) == "before\n")
        #expect(!FileManager.default.fileExists(atPath: temporary.child("work/new.txt")))
        #expect(try Data(contentsOf: URL(fileURLWithPath: indexPath)) == indexBefore)
        #expect(try work.blob(at: "README.md", commit: next) == Data("after\n".utf8))
    }
}
