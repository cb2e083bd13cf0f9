import Foundation
import Testing
import TestSupport
@testable import Git

/// A `Repository` looks each remote up once and reuses it (libgit2 1.5's lookup leaks memory),
/// so one object must fetch and push any number of times and still see every change.
@Suite("One repository object, many transfers through the same remote")
struct RemoteReuseTests {
    @Test("repeated fetches through one object see each new commit and prune deleted refs; FETCH_HEAD stays empty")
    func repeatedFetches() throws {
        let temporary = try TemporaryDirectory()
        let remote = try Repository.create(at: temporary.child("remote.git"), bare: true)
        var tip = try remote.commit(changes: ["a.txt": Samples.text("0\n")], onBranch: "main", parent: nil,
                                    author: Samples.author, message: "0")
        let mirror = try Repository.clone(from: temporary.child("remote.git"), to: temporary.child("mirror.git"), bare: true)
        for round in 1...5 {
            tip = try remote.commit(changes: ["a.txt": Samples.text("\(round)\n")], onBranch: "main", parent: tip,
                                    author: Samples.author, message: "\(round)")
            try remote.updateReference(name: "refs/heads/round-\(round)", to: tip, expected: nil)
            if round > 1 { try remote.deleteReference(name: "refs/heads/round-\(round - 1)") }
            try mirror.fetch(refspecs: ["+refs/heads/*:refs/heads/*"], prune: true)
            #expect(try mirror.resolve("refs/heads/main") == tip, "round \(round)")
            let branches = try mirror.references(glob: "refs/heads/round-*").map(\.name)
            #expect(branches == ["refs/heads/round-\(round)"], "round \(round)")
        }
        // libgit2 truncates FETCH_HEAD at each fetch but, told not to update it, writes no entry
        // (writing one would look the remote up again for the upstream of HEAD's branch).
        let fetchHead = FileManager.default.contents(atPath: temporary.child("mirror.git/FETCH_HEAD")) ?? Data()
        #expect(fetchHead.isEmpty, "FETCH_HEAD: \(String(decoding: fetchHead, as: UTF8.self))")
        #expect(try mirror.remoteURL(name: "origin") == temporary.child("remote.git"))
    }

    @Test("repeated pushes through one object land, and a remote added later is found")
    func repeatedPushesAndAddedRemote() throws {
        let temporary = try TemporaryDirectory()
        _ = try Repository.create(at: temporary.child("remote.git"), bare: true)
        let other = try Repository.create(at: temporary.child("other.git"), bare: true)
        let writer = try Repository.clone(from: temporary.child("remote.git"), to: temporary.child("writer.git"), bare: true)
        var parent: ObjectID?
        for round in 1...5 {
            let tip = try writer.commit(changes: ["b.txt": Samples.text("\(round)\n")], onBranch: "main", parent: parent,
                                        author: Samples.author, message: "\(round)")
            try writer.push(refspecs: ["refs/heads/main:refs/heads/main"])
            #expect(try Repository.open(at: temporary.child("remote.git")).resolve("refs/heads/main") == tip, "round \(round)")
            parent = tip
        }
        #expect(try writer.remoteURL(name: "backup") == nil)
        try writer.addRemote(name: "backup", url: temporary.child("other.git"))
        #expect(try writer.remoteURL(name: "backup") == temporary.child("other.git"))
        try writer.push(remote: "backup", refspecs: ["refs/heads/main:refs/heads/main"])
        #expect(try other.resolve("refs/heads/main") == parent)
    }
}
