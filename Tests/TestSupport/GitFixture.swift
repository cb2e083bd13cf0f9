import Foundation
public import Git

/// A bare "remote" repository on disk that tests write to with the Git wrapper: branches,
/// commits of file sets, and `refs/pull/<n>/head` refs as GitHub keeps them.
public final class GitFixture: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let path: String
    public let repository: Repository
    public static let author = Signature(name: "Test Author", email: "author@example.com", date: Date(timeIntervalSince1970: 1_800_000_000))

    public static let previewSpec = """
    kind: preview
    name: "pr-{{pr.number}}"
    match:
      pull_request: { base: main }
    build:
      - run: "sh build.sh"
        timeout: 1m
    deploy:
      run: "sh serve.sh"
    health: { path: /healthz, timeout: 30s }
    ttl: 72h
    env: { APP_ENV: preview }
    neutralize: { mail: catch-all, crons: off, forbid: ["sk_live_*"] }
    """

    public static let stagingSpec = """
    kind: staging
    name: staging
    match:
      branch: main
    build:
      - run: "sh build.sh"
    deploy:
      run: "sh serve.sh"
    health: { path: /healthz, timeout: 30s }
    env: { APP_ENV: staging }
    neutralize: { mail: catch-all, crons: off }
    """

    public init() throws {
        directory = try TemporaryDirectory(prefix: "slipway-git")
        path = directory.child("remote.git")
        repository = try Repository.create(at: path, bare: true, initialBranch: "main")
    }

    /// The default content: an app with preview and staging specs.
    public static var baseFiles: [String: String] {
        [
            "environments/preview.yaml": previewSpec,
            "environments/staging.yaml": stagingSpec,
            "build.sh": "echo built\n",
            "serve.sh": "exec python3 -m http.server \"$PORT\"\n",
            "README.md": "# app\n",
        ]
    }

    /// Commits `files` (and deletions) on `branch` on top of its current head.
    @discardableResult
    public func commit(_ branch: String, _ files: [String: String] = [:], deleting: [String] = [], message: String = "change") throws -> String {
        let parent = try? repository.resolve("refs/heads/\(branch)")
        var changes: [String: FileChange] = [:]
        for (path, text) in files { changes[path] = .write(Data(text.utf8)) }
        for path in deleting { changes[path] = .delete }
        return try repository.commit(changes: changes, onBranch: branch, parent: parent, author: Self.author, message: message).hex
    }

    /// Starts `branch` at `from`'s head.
    public func branch(_ branch: String, from: String = "main") throws {
        let head = try repository.resolve("refs/heads/\(from)")
        try repository.updateReference(name: "refs/heads/\(branch)", to: head, expected: nil)
    }

    /// Points `refs/pull/<n>/head` at `sha` (as GitHub does for every PR).
    public func setPullHead(_ number: Int, _ sha: String) throws {
        let name = "refs/pull/\(number)/head"
        let expected = try? repository.resolve(name)
        try repository.updateReference(name: name, to: ObjectID(hex: sha)!, expected: expected)
    }

    public func deletePullHead(_ number: Int) throws {
        try repository.deleteReference(name: "refs/pull/\(number)/head")
    }

    public func head(_ branch: String) throws -> String {
        try repository.resolve("refs/heads/\(branch)").hex
    }
}
