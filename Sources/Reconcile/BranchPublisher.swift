import Foundation
public import Git

/// Commits a change set on a branch of the managed repository's mirror and pushes it to
/// `origin`, racing safely with people and other replicas: when the push is refused (not a
/// fast-forward, or the remote ref is locked by another pusher), it fetches the branch, asks
/// `build` again for the change set on the new tip, commits and pushes again, up to
/// `maxAttempts` times. It never forces, so nobody's commit is ever dropped.
public struct BranchPublisher {
    public let repository: ManagedRepository
    public let branch: String
    /// Nil: the managed repository's own, asked before each push and fetch.
    public let credentials: GitCredentials?
    public let maxAttempts: Int

    public init(repository: ManagedRepository, branch: String, credentials: GitCredentials?, maxAttempts: Int) {
        self.repository = repository
        self.branch = branch
        self.credentials = credentials
        self.maxAttempts = maxAttempts
    }

    public struct Published: Sendable {
        public let commit: ObjectID
        public let attempts: Int
        /// What `build` returned for the attempt that was pushed.
        public let changedPaths: [String]
    }

    public enum Outcome: Sendable {
        case published(Published)
        /// `build` had nothing to change at the branch tip.
        case nothingToDo
    }

    public var referenceName: String { "refs/heads/" + branch }

    /// `build` gets the mirror and the branch tip (nil when the branch does not exist yet) and
    /// returns the changes and the message, or nil when there is nothing to commit. It may be
    /// called several times (once per attempt) and must derive its answer from the tip.
    public func publish(
        author: Signature,
        _ build: (Repository, ObjectID?) throws -> (changes: [String: FileChange], message: String)?
    ) throws -> Outcome {
        for attempt in 1...max(1, maxAttempts) {
            let step: Outcome? = try repository.withRepository { repo in
                let tip = try currentTip(repo)
                guard let (changes, message) = try build(repo, tip) else { return .nothingToDo }
                var signature = author
                signature.date = Date()
                let commit = try repo.commit(changes: changes, onBranch: referenceName, parent: tip, author: signature,
                                             message: message)
                do {
                    try repo.push(remote: "origin", refspecs: ["\(referenceName):\(referenceName)"], credentials: transferCredentials())
                    return .published(Published(commit: commit, attempts: attempt, changedPaths: changes.keys.sorted()))
                } catch let error as GitError where Self.isRace(error) {
                    // Someone else moved the branch first: take theirs, then re-apply ours on top.
                    try fetchBranch(repo)
                    return nil
                } catch {
                    // Put the branch back so an unpushed commit is never built upon.
                    try? restore(repo, from: commit, to: tip)
                    throw error
                }
            }
            if let step { return step }
            // Others are pushing too: wait a little (growing, jittered) so one of us wins the
            // next round instead of all retrying in lockstep.
            Thread.sleep(forTimeInterval: Double.random(in: 0...(0.05 * Double(min(attempt, 8)))))
        }
        throw PublishError("gave up pushing to \(branch) after \(maxAttempts) attempts: the branch kept moving")
    }

    public static func isRace(_ error: GitError) -> Bool {
        switch error.kind {
        case .nonFastForward, .locked: return true
        case .rejected:
            let text = error.message.lowercased()
            return text.contains("lock") || text.contains("fetch first") || text.contains("non-fast")
        default:
            let text = error.message.lowercased()
            return text.contains("failed to lock") || text.contains("cannot lock")
        }
    }

    public func currentTip(_ repo: Repository) throws -> ObjectID? {
        do {
            return try repo.resolve(referenceName)
        } catch let error as GitError where error.kind == .notFound {
            return nil
        }
    }

    /// The mirror maps remote heads onto local heads, so this moves `refs/heads/<branch>` to the
    /// remote tip (our rejected commit is left unreferenced).
    public func fetchBranch(_ repo: Repository) throws {
        try repo.fetch(remote: "origin", refspecs: ["+\(referenceName):\(referenceName)"], credentials: transferCredentials())
    }

    private func transferCredentials() throws -> GitCredentials? {
        try credentials ?? repository.currentCredentials()
    }

    private func restore(_ repo: Repository, from commit: ObjectID, to tip: ObjectID?) throws {
        if let tip {
            try repo.updateReference(name: referenceName, to: tip, expected: commit)
        } else {
            try repo.deleteReference(name: referenceName)
        }
    }
}

/// Publishing gave up; says why.
public struct PublishError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
