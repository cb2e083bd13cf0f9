import Foundation
import Testing
import TestSupport
@testable import Git

/// `forcePush`: replacing a branch the caller owns, only while the remote still has the value it
/// expects (force-with-lease), on a local remote and over smart HTTP.
@Suite("Force-push with a lease")
struct ForcePushTests {
    /// Pushes `bot` (a replacement of the remote's `refs/heads/bot`, not a fast-forward) with the
    /// right lease, then with a stale one after someone else moved the branch.
    static func exercise(remote: String, remotePath: String, credentials: GitCredentials?, in temporary: TemporaryDirectory) throws {
        let git = try GitCLI()
        let mirror = try Repository.clone(from: remote, to: temporary.child("mirror"), bare: true, credentials: credentials)
        let base = try mirror.resolve("refs/heads/main")
        let first = try mirror.commit(changes: ["docs/a.md": Samples.text("one\n")], onBranch: "refs/heads/bot", parent: base,
                                      author: Samples.author, message: "bot 1")
        // Creating: the lease is "must not exist".
        try mirror.forcePush(source: "refs/heads/bot", to: "refs/heads/bot", expected: nil, credentials: credentials)
        #expect(try git.revParse("refs/heads/bot", in: remotePath) == first.hex)

        // Replacing (not a fast-forward): allowed while the remote has `first`.
        try mirror.deleteReference(name: "refs/heads/bot")
        let second = try mirror.commit(changes: ["docs/a.md": Samples.text("two\n")], onBranch: "refs/heads/bot", parent: base,
                                       author: Samples.author, message: "bot 2")
        #expect(throws: GitError.self) { try mirror.push(refspecs: ["+refs/heads/bot:refs/heads/bot"], credentials: credentials) }
        try mirror.forcePush(source: "refs/heads/bot", to: "refs/heads/bot", expected: first, credentials: credentials)
        #expect(try git.revParse("refs/heads/bot", in: remotePath) == second.hex)

        // Someone else moves it: a stale lease is refused and their commit stays.
        let other = try Repository.open(at: remotePath).commit(changes: ["note.txt": Samples.text("theirs\n")], onBranch: "refs/heads/bot",
                                                               parent: second, author: Samples.author, message: "theirs")
        try mirror.deleteReference(name: "refs/heads/bot")
        _ = try mirror.commit(changes: ["docs/a.md": Samples.text("three\n")], onBranch: "refs/heads/bot", parent: base,
                              author: Samples.author, message: "bot 3")
        let refused = #expect(throws: GitError.self) {
            try mirror.forcePush(source: "refs/heads/bot", to: "refs/heads/bot", expected: second, credentials: credentials)
        }
        #expect(refused?.kind == .nonFastForward)
        #expect(refused?.message.contains("stale info") == true)
        #expect(try git.revParse("refs/heads/bot", in: remotePath) == other.hex)
        #expect(try git.revParse("refs/heads/main", in: remotePath) == base.hex)

        // Only branches, from a local reference.
        #expect(throws: GitError.self) { try mirror.forcePush(source: "refs/heads/bot", to: "refs/tags/v1", expected: nil, credentials: credentials) }
        try git("fsck", "--strict", in: remotePath)
    }

    @Test("on a local remote: creates, replaces while the lease holds, refuses a stale lease and keeps the other commit")
    func localRemote() throws {
        let temporary = try TemporaryDirectory()
        let remotePath = temporary.child("remote.git")
        let remote = try Repository.create(at: remotePath, bare: true)
        _ = try remote.commit(changes: ["README.md": Samples.text("base\n")], onBranch: "main", parent: nil, author: Samples.author, message: "base")
        try Self.exercise(remote: remotePath, remotePath: remotePath, credentials: nil, in: temporary)
    }

    @Test("over smart HTTP: the same, with the lease checked on the push's own connection")
    func smartHTTP() throws {
        let served = try HTTPTransportTests.serve()
        defer { served.server.stop() }
        try Self.exercise(remote: served.url, remotePath: served.remotePath, credentials: served.good, in: served.temporary)
    }
}
