import Foundation
import Testing
import TestSupport
@testable import Git

/// Clone, fetch and push over smart HTTP against `git http-backend` behind
/// `Fixtures/git-http-server.py`, with HTTP basic auth.
@Suite("Smart HTTP transport with credentials")
struct HTTPTransportTests {
    static let username = "deployer"
    static let password = "s3cret-Pa55word"

    /// A served bare repository `repo.git` with one commit on `main`, and the running server.
    struct Served {
        let temporary: TemporaryDirectory
        let git: GitCLI
        let remotePath: String
        let base: ObjectID
        let server: GitHTTPServer
        var url: String { server.url("repo.git") }
        var good: GitCredentials { GitCredentials(username: HTTPTransportTests.username, password: HTTPTransportTests.password) }
    }

    static func serve() throws -> Served {
        let temporary = try TemporaryDirectory()
        let git = try GitCLI()
        let remotePath = temporary.child("srv/repo.git")
        let remote = try Repository.create(at: remotePath, bare: true)
        let base = try remote.commit(
            changes: ["README.md": Samples.text("served\n"), "bin/run": .write(Data("#!/bin/sh\n".utf8), executable: true)],
            onBranch: "main", parent: nil, author: Samples.author, message: "served base")
        try git("config", "http.receivepack", "true", in: remotePath)
        let server = try GitHTTPServer(
            projectRoot: temporary.child("srv"), username: username, password: password,
            environment: git.environment, logPath: temporary.child("server.log"))
        return Served(temporary: temporary, git: git, remotePath: remotePath, base: base, server: server)
    }

    @Test("clone, fetch and push work with the right credentials, sent up front, and non-fast-forward is reported")
    func cloneFetchPush() throws {
        let served = try Self.serve()
        defer { served.server.stop() }
        let temporary = served.temporary

        let alice = try Repository.clone(from: served.url, to: temporary.child("alice"), credentials: served.good)
        #expect(try String(contentsOfFile: temporary.child("alice/README.md"), encoding: .utf8) == "served\n")
        #expect(try isExecutableFile(temporary.child("alice/bin/run")))
        #expect(try alice.remoteURL(name: "origin") == served.url)
        let bob = try Repository.clone(from: served.url, to: temporary.child("bob"), bare: true, credentials: served.good)

        let next = try alice.commit(changes: ["app.yaml": Samples.text("image: v2\n")], onBranch: "main",
                                    parent: served.base, author: Samples.author, message: "deploy v2")
        try alice.push(refspecs: ["refs/heads/main:refs/heads/main"], credentials: served.good)
        #expect(try served.git.revParse("refs/heads/main", in: served.remotePath) == next.hex)
        try served.git("fsck", "--strict", in: served.remotePath)

        _ = try bob.commit(changes: ["app.yaml": Samples.text("image: v3\n")], onBranch: "main",
                           parent: served.base, author: Samples.author, message: "stale deploy")
        let rejected = #expect(throws: GitError.self) {
            try bob.push(refspecs: ["refs/heads/main:refs/heads/main"], credentials: served.good)
        }
        #expect(rejected?.kind == .nonFastForward)
        #expect(try served.git.revParse("refs/heads/main", in: served.remotePath) == next.hex)

        try bob.fetch(refspecs: ["+refs/heads/*:refs/remotes/origin/*"], credentials: served.good)
        #expect(try bob.resolve("refs/remotes/origin/main") == next)
        #expect(try bob.blob(at: "app.yaml", commit: next) == Data("image: v2\n".utf8))

        let requests = served.server.requests
        #expect(requests.contains { $0.hasPrefix("POST /repo.git/git-receive-pack 200") })
        #expect(!requests.contains { $0.hasSuffix(" 401") }, "credentials should go out with the first request: \(requests)")
    }

    @Test("a wrong or missing password fails with .authentication, promptly, without revealing the password")
    func wrongPassword() throws {
        let served = try Self.serve()
        defer { served.server.stop() }
        let temporary = served.temporary
        let wrong = GitCredentials(username: Self.username, password: "wrong-Pa55word-xyz")

        let cloneError = #expect(throws: GitError.self) {
            try Repository.clone(from: served.url, to: temporary.child("c1"), credentials: wrong)
        }
        #expect(cloneError?.kind == .authentication, "\(String(describing: cloneError))")
        for text in [cloneError?.description ?? "", cloneError?.message ?? "", String(describing: cloneError)] {
            #expect(!text.contains("wrong-Pa55word-xyz"))
            #expect(!text.contains(Self.password))
        }
        #expect(served.server.requests.count <= 2, "attempts must be bounded: \(served.server.requests)")

        let anonymous = #expect(throws: GitError.self) {
            try Repository.clone(from: served.url, to: temporary.child("c2"))
        }
        #expect(anonymous?.kind == .authentication, "\(String(describing: anonymous))")

        let good = try Repository.clone(from: served.url, to: temporary.child("c3"), bare: true, credentials: served.good)
        _ = try good.commit(changes: ["x": Samples.text("x")], onBranch: "main", parent: served.base,
                            author: Samples.author, message: "x")
        let pushError = #expect(throws: GitError.self) {
            try good.push(refspecs: ["refs/heads/main:refs/heads/main"], credentials: wrong)
        }
        #expect(pushError?.kind == .authentication, "\(String(describing: pushError))")
        let pushDescription = pushError.map(String.init(describing:)) ?? ""
        #expect(!pushDescription.contains("wrong-Pa55word-xyz"))
        #expect(try served.git.revParse("refs/heads/main", in: served.remotePath) == served.base.hex)
    }

    @Test("a push refused by a server hook fails with .rejected and carries the server's status")
    func hookRejection() throws {
        let served = try Self.serve()
        defer { served.server.stop() }
        let hook = served.remotePath + "/hooks/pre-receive"
        try FileManager.default.createDirectory(atPath: served.remotePath + "/hooks", withIntermediateDirectories: true)
        try Data("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n".utf8).write(to: URL(fileURLWithPath: hook))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)

        let clone = try Repository.clone(from: served.url, to: served.temporary.child("c"), bare: true, credentials: served.good)
        _ = try clone.commit(changes: ["x": Samples.text("x")], onBranch: "main", parent: served.base,
                             author: Samples.author, message: "x")
        let error = #expect(throws: GitError.self) {
            try clone.push(refspecs: ["refs/heads/main:refs/heads/main"], credentials: served.good)
        }
        #expect(error?.kind == .rejected)
        #expect(error?.message.contains("refs/heads/main") == true)
        #expect(error?.message.contains("hook declined") == true, "\(String(describing: error))")
        #expect(error?.message.contains("main is protected") == true, "\(String(describing: error))")
        #expect(try served.git.revParse("refs/heads/main", in: served.remotePath) == served.base.hex)
    }
}
