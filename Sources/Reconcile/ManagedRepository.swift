import Foundation
public import Git
import SlipwayCore
import Synchronization

/// The repository Slipway manages, kept as a bare mirror in `<work-dir>/repo.git` whose
/// `origin` is the path or URL the operator gave. All reads come from the mirror's objects
/// (never from a working copy); fetches use explicit refspecs; pushes never force.
///
/// Thread-safe: every use of the underlying `Repository` is serialised by a lock.
public final class ManagedRepository: @unchecked Sendable {
    /// The path or URL as configured (never includes credentials in logs: see `displaySource`).
    public let source: String
    public let mirrorPath: String
    /// Asked before every clone, fetch and push (the token may be renewed in between).
    let credentials: GitCredentialProvider
    private let lock = NSRecursiveLock()
    private let repository: Repository
    /// The last fetch's failure (nil: it worked); its own lock, so `/readyz` never waits for a fetch.
    private let fetchState = Mutex<String?>(nil)

    /// Branches, PR heads and tags, mirrored as they are on the remote.
    public static let mirrorRefspecs = ["+refs/heads/*:refs/heads/*", "+refs/pull/*:refs/pull/*", "+refs/tags/*:refs/tags/*"]

    /// Opens the mirror in `workDir`, or clones `source` into it. A work dir that already
    /// mirrors another repository is refused.
    public static func prepare(source: String, workDir: String, credentials: GitCredentials? = nil) throws -> ManagedRepository {
        try prepare(source: source, workDir: workDir, credentialProvider: .fixed(credentials))
    }

    /// As `prepare(source:workDir:credentials:)`, with credentials asked for each transfer.
    /// With `offlineStart`, a mirror that already exists is opened even when the remote cannot
    /// be fetched (the failure is kept in `fetchFailure`, and the next fetch tries again); a
    /// missing mirror still needs the remote to clone it.
    public static func prepare(source: String, workDir: String, credentialProvider: GitCredentialProvider,
                               offlineStart: Bool = false) throws -> ManagedRepository {
        let credentials = credentialProvider
        let resolved = Self.resolve(source)
        let mirror = (workDir as NSString).appendingPathComponent("repo.git")
        let repository: Repository
        if FileManager.default.fileExists(atPath: mirror) {
            repository = try Repository.open(at: mirror)
            let origin = try repository.remoteURL(name: "origin")
            guard origin == resolved else {
                throw RepositoryError("the work dir \(workDir) already mirrors \(Redactor.maskingURLCredentials(origin ?? "?")), not \(Redactor.maskingURLCredentials(resolved)); use another --work-dir")
            }
        } else {
            if !isRemote(resolved) {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw RepositoryError("--repo \(resolved) does not exist; give a repository path or an http(s) URL")
                }
            }
            do {
                try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
                repository = try Repository.clone(from: resolved, to: mirror, bare: true,
                                                  credentials: Self.credentials(for: "clone \(Redactor.maskingURLCredentials(resolved))", credentials))
            } catch let error as GitError {
                try? FileManager.default.removeItem(atPath: mirror)
                throw RepositoryError("cannot clone \(Redactor.maskingURLCredentials(resolved)): \(error.message)")
            }
        }
        let managed = ManagedRepository(source: resolved, mirrorPath: mirror, repository: repository, credentials: credentials)
        do {
            try managed.fetch()
        } catch where offlineStart {
            // Kept in `fetchFailure`: the caller says so and serves from the mirror as it is.
        }
        return managed
    }

    init(source: String, mirrorPath: String, repository: Repository, credentials: GitCredentialProvider) {
        self.source = source
        self.mirrorPath = mirrorPath
        self.repository = repository
        self.credentials = credentials
    }

    /// The source with any password removed, for messages.
    public var displaySource: String { Redactor.maskingURLCredentials(source) }

    /// Brings the mirror up to date with the remote (branches, PR heads, tags; deleted refs go).
    /// Whether it worked is kept (`fetchFailure`) for `/readyz`.
    public func fetch() throws {
        do {
            try withRepository { repo in
                do {
                    try repo.fetch(remote: "origin", refspecs: Self.mirrorRefspecs, credentials: currentCredentials(), prune: true)
                } catch let error as GitError {
                    throw RepositoryError("cannot fetch from \(displaySource): \(error.message)")
                }
            }
            fetchState.withLock { $0 = nil }
        } catch {
            fetchState.withLock { $0 = "\(error)" }
            throw error
        }
    }

    /// Why the last fetch failed (the remote is unreachable, credentials refused, ...), or nil
    /// when it worked (or none was tried). Reads and plans then come from the mirror as it is.
    public var fetchFailure: String? {
        fetchState.withLock { $0 }
    }

    /// The credentials for a transfer with `origin` starting now (a renewed token, when the
    /// provider renews them).
    public func currentCredentials() throws -> GitCredentials? {
        try Self.credentials(for: "fetch from \(displaySource)", credentials)
    }

    static func credentials(for transfer: String, _ provider: GitCredentialProvider) throws -> GitCredentials? {
        do {
            return try provider.current()
        } catch {
            throw RepositoryError("cannot \(transfer): no credentials for it: \(error)")
        }
    }

    /// Runs `body` with the mirror, one caller at a time.
    public func withRepository<T>(_ body: (Repository) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(repository)
    }

    static func isRemote(_ source: String) -> Bool {
        source.hasPrefix("http://") || source.hasPrefix("https://") || source.hasPrefix("file://")
    }

    /// Local paths become absolute (so the mirror's origin stays valid from any directory).
    static func resolve(_ source: String) -> String {
        if isRemote(source) || source.hasPrefix("/") { return source }
        let cwd = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: source, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
    }
}

/// A problem with the managed repository, said plainly.
public struct RepositoryError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
