import Foundation
import Testing
import TestSupport
@testable import Git

@Suite("Checking out a commit into a separate directory")
struct CheckoutTests {
    @Test("checkout writes exactly the commit's files, drops stale ones, keeps the executable bit and leaves HEAD alone",
          arguments: [true, false])
    func checkoutIntoDirectory(bare: Bool) throws {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let remote = try Repository.create(at: temporary.child("remote.git"), bare: true)
        let first = try remote.commit(
            changes: [
                "README.md": Samples.text("readme\n"),
                "apps/web/values.yaml": Samples.text("replicas: 2\n"),
                "apps/api/values.yaml": Samples.text("replicas: 1\n"),
                "bin/deploy": .write(Data("#!/bin/sh\n".utf8), executable: true),
            ],
            onBranch: "main", parent: nil, author: Samples.author, message: "first")
        let second = try remote.commit(
            changes: ["apps/api/values.yaml": .delete, "apps/web/values.yaml": Samples.text("replicas: 4\n")],
            onBranch: "main", parent: first, author: Samples.author, message: "second")
        let repository = try Repository.clone(from: remote.path, to: temporary.child("repo"), bare: bare)
        let headBefore = try git("symbolic-ref", "HEAD", in: repository.path).trimmed
        let headCommitBefore = try git.revParse("HEAD", in: repository.path)
        let indexPath = repository.gitDirectory + "/index"
        let indexBefore = FileManager.default.contents(atPath: indexPath)

        let target = temporary.child("out/deploy")
        try FileManager.default.createDirectory(atPath: target + "/leftover", withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: URL(fileURLWithPath: target + "/leftover/old.txt"))
        try Data("stale".utf8).write(to: URL(fileURLWithPath: target + "/.hidden"))

        try repository.checkout(commit: first, into: target)
        #expect(try filesBelow(target) == ["README.md", "apps/api/values.yaml", "apps/web/values.yaml", "bin/deploy"])
        #expect(try filesBelow(target) == git("ls-tree", "-r", "--name-only", first.hex, in: repository.path).lines)
        #expect(try String(contentsOfFile: target + "/apps/web/values.yaml", encoding: .utf8) == "replicas: 2\n")
        #expect(try isExecutableFile(target + "/bin/deploy"))
        #expect(try !isExecutableFile(target + "/README.md"))

        try repository.checkout(commit: second, into: target)
        #expect(try filesBelow(target) == ["README.md", "apps/web/values.yaml", "bin/deploy"])
        #expect(!FileManager.default.fileExists(atPath: target + "/apps/api"))
        #expect(try String(contentsOfFile: target + "/apps/web/values.yaml", encoding: .utf8) == "replicas: 4\n")
        #expect(try isExecutableFile(target + "/bin/deploy"))

        #expect(try git("symbolic-ref", "HEAD", in: repository.path).trimmed == headBefore)
        #expect(try git.revParse("HEAD", in: repository.path) == headCommitBefore)
        #expect(FileManager.default.contents(atPath: indexPath) == indexBefore)
        if !bare {
            #expect(try git("status", "--porcelain", in: repository.path).isEmpty)
        }
    }

    @Test("checkout refuses to write into the repository itself")
    func refusesRepositoryFolder() throws {
        let temporary = try TemporaryDirectory()
        let repository = try Repository.create(at: temporary.child("repo"), bare: false)
        let commit = try repository.commit(changes: ["a": Samples.text("a")], onBranch: "main", parent: nil,
                                           author: Samples.author, message: "a")
        for target in [repository.path, repository.gitDirectory, temporary.path, temporary.child("repo/.git/objects")] {
            let error = #expect(throws: GitError.self, "\(target)") { try repository.checkout(commit: commit, into: target) }
            #expect(error?.kind == .invalidArgument)
        }
        #expect(FileManager.default.fileExists(atPath: repository.gitDirectory + "/HEAD"))
    }
}
