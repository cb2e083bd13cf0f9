import Foundation
import Git
public import Reconcile
import SlipwayCore

/// The git half of publishing the LLM docs through a pull request (`docs.publish:
/// pull-request`): keeps the bot's own branch (`slipway/docs`) at exactly one bot commit on top
/// of the staging branch's tip, holding the regenerated `docs/llm/` and nothing else.
///
/// Each `update` fetches both branches, generates the docs at staging's tip and, when a byte
/// differs, writes that one commit and replaces the bot branch with it (force-with-lease: only
/// while the remote still has the value just fetched; that branch is the bot's, and nothing
/// else is ever forced). The staging branch is only read. When the bot branch already holds
/// exactly this commit's change on this tip nothing is pushed, so a redeploy changes nothing.
/// Opening, updating and closing the pull request is the caller's (it needs the forge).
public struct DocsPullRequestBranch: Sendable {
    /// The bot's docs branch unless configured otherwise.
    public static let defaultBranch = BotBranches.docs

    public let generator: DocsGenerator
    /// The bot-owned head branch of the docs pull request.
    public let branch: String
    /// Attempts when someone moved the bot branch between the fetch and the push.
    public let maxAttempts: Int

    public init(generator: DocsGenerator, branch: String = DocsPullRequestBranch.defaultBranch, maxAttempts: Int = 3) {
        self.generator = generator
        self.branch = branch
        self.maxAttempts = max(1, maxAttempts)
    }

    public enum Outcome: Sendable, Equatable {
        /// Staging's tip `base` already holds these docs: nothing to propose (an open docs pull
        /// request is obsolete).
        case unchanged(base: String)
        /// The bot branch is `commit`, one commit on `base` changing `files`; `pushed` is false
        /// when it already was.
        case proposed(commit: String, base: String, files: [String], pushed: Bool)
    }

    public var referenceName: String { "refs/heads/" + branch }

    /// Brings the bot branch up to date with the staging branch (`generator.configuration.branch`)
    /// as the remote has it now. Throws `DocsValidationError` when the docs fail their checks
    /// (nothing pushed), a `GitError` or `PublishError` when git fails.
    public func update(repository: ManagedRepository, analyzed: ((KnowledgeGraph, String) -> Void)? = nil) throws -> Outcome {
        let settings = generator.configuration
        guard settings.branch != branch else {
            throw PublishError("the docs branch \(branch) cannot also be the staging branch")
        }
        let staging = BranchPublisher(repository: repository, branch: settings.branch, credentials: settings.credentials, maxAttempts: 1)
        let credentials = try settings.credentials ?? repository.currentCredentials()
        for attempt in 1...maxAttempts {
            let outcome: Outcome? = try repository.withRepository { repo in
                try staging.fetchBranch(repo)
                guard let tip = try staging.currentTip(repo) else {
                    throw PublishError("the branch \(settings.branch) does not exist")
                }
                // The bot branch exactly as the remote has it (absent when it has none): the lease.
                try? repo.deleteReference(name: referenceName)
                try repo.fetch(remote: "origin", refspecs: ["+\(referenceName):\(referenceName)"], credentials: credentials)
                let remote = try? repo.resolve(referenceName)
                guard let (changes, message) = try generator.pendingChanges(repo: repo, tip: tip, analyzed: attempt == 1 ? analyzed : nil) else {
                    return .unchanged(base: tip.hex)
                }
                let files = changes.keys.sorted()
                if let remote, try holds(repo, commit: remote, tip: tip, changes: changes, message: message) {
                    return .proposed(commit: remote.hex, base: tip.hex, files: files, pushed: false)
                }
                // A fresh commit on staging's tip; the local ref moves only after the push works.
                if remote != nil { try repo.deleteReference(name: referenceName) }
                var author = Signature(name: settings.authorName, email: settings.authorEmail)
                author.date = Date()
                let commit = try repo.commit(changes: changes, onBranch: referenceName, parent: tip, author: author, message: message)
                do {
                    try repo.forcePush(source: referenceName, to: referenceName, expected: remote, credentials: credentials)
                    return .proposed(commit: commit.hex, base: tip.hex, files: files, pushed: true)
                } catch let error as GitError where error.kind == .nonFastForward && attempt < maxAttempts {
                    return nil  // The bot branch moved (another replica): fetch and try again.
                }
            }
            if let outcome { return outcome }
        }
        throw PublishError("gave up updating \(branch) after \(maxAttempts) attempts: it kept moving")
    }

    /// Whether `commit` is the bot's docs commit for `tip` with exactly these changes.
    private func holds(_ repo: Repository, commit: ObjectID, tip: ObjectID, changes: [String: FileChange], message: String) throws -> Bool {
        let info = try repo.commit(commit)
        guard info.parents == [tip], info.message == message || info.message == message + "\n" else { return false }
        for (path, change) in changes {
            guard case .write(let data, _) = change, try repo.blob(at: path, commit: commit) == data else { return false }
        }
        return true
    }
}
