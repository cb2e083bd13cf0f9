import Crypto
public import Foundation

/// What a forge update is about: one sticky comment per pull request, one status per commit and
/// context, one GitHub Deployment per environment and commit, one promotion-style pull request per
/// head and base branch, one label removal per pull request and label, one commit comment per
/// commit and distinct body. Only the newest version of each key is ever sent.
public enum ForgeUpdateKey: Sendable, Hashable, Codable, CustomStringConvertible {
    case comment(pullRequest: Int)
    case status(sha: String, context: String)
    case deployment(environment: String, sha: String)
    case pullRequest(head: String, base: String)
    case label(pullRequest: Int, name: String)
    /// `bodyHash`: `ForgeUpdatePayload.bodyHash(_:)` of the comment's body.
    case commitComment(sha: String, bodyHash: String)

    /// A stable text form, e.g. `comment:42`, `status:<sha>:slipway/pr-42`,
    /// `deployment:production:<sha>`, `pull:staging:production`, `label:42:promote`,
    /// `commit-comment:<sha>:<hash>` (a store column).
    public var description: String {
        switch self {
        case .comment(let number): "comment:\(number)"
        case .status(let sha, let context): "status:\(sha):\(context)"
        case .deployment(let environment, let sha): "deployment:\(environment):\(sha)"
        case .pullRequest(let head, let base): "pull:\(head):\(base)"
        case .label(let number, let name): "label:\(number):\(name)"
        case .commitComment(let sha, let hash): "commit-comment:\(sha):\(hash)"
        }
    }
}

/// The state to write to the forge.
public enum ForgeUpdatePayload: Sendable, Equatable, Codable {
    /// The full body of the pull request's sticky comment (rendered, redacted).
    case comment(pullRequest: Int, body: String)
    case status(CommitStatusRequest)
    /// The GitHub Deployment of a commit to an environment reaches a state (found or created
    /// first, idempotently: see `DeploymentUpdate`).
    case deployment(DeploymentUpdate)
    /// One open pull request from a head branch into a base branch with this title and body
    /// (found and updated in place, or created: see `PullRequestUpdate`).
    case pullRequest(PullRequestUpdate)
    /// The label is removed from the pull request (already gone counts as done).
    case removeLabel(pullRequest: Int, label: String)
    /// A comment on a commit. Submit it with `version: ForgeUpdatePayload.onceVersion`: the queue
    /// then refuses the same body on the same commit once it is pending or applied, so each
    /// distinct body is posted once (GitHub offers no way to find a commit comment again here).
    case commitComment(sha: String, body: String)

    /// The version to submit a `commitComment` with, so that it is sent once per body.
    public static let onceVersion: UInt64 = 1

    public var key: ForgeUpdateKey {
        switch self {
        case .comment(let number, _): .comment(pullRequest: number)
        case .status(let status): .status(sha: status.sha, context: status.context)
        case .deployment(let update): .deployment(environment: update.environment, sha: update.sha)
        case .pullRequest(let update): .pullRequest(head: update.head, base: update.base)
        case .removeLabel(let number, let label): .label(pullRequest: number, name: label)
        case .commitComment(let sha, let body): .commitComment(sha: sha, bodyHash: Self.bodyHash(body))
        }
    }

    /// The first 16 hex digits of the SHA-256 of `body`: names a commit comment's body in its key
    /// without storing the body twice.
    public static func bodyHash(_ body: String) -> String {
        String(Hex.encode(SHA256.hash(body)).prefix(16))
    }
}

/// One queued update: its payload, its version (higher is newer, per key) and its retry state.
/// Codable, so a persistence can store it as one JSON column.
public struct ForgeUpdate: Sendable, Equatable, Codable {
    public var version: UInt64
    public var payload: ForgeUpdatePayload
    /// Failed attempts so far.
    public var attempts: Int
    /// Not to be tried before this time (backoff, rate limit).
    public var notBefore: Date
    /// When this key first had an update pending (for giving up on configuration errors).
    public var pendingSince: Date
    /// The last failure, redacted (for `slipway status` and logs).
    public var lastError: String?

    public var key: ForgeUpdateKey { payload.key }

    public init(version: UInt64, payload: ForgeUpdatePayload, attempts: Int = 0, notBefore: Date, pendingSince: Date, lastError: String? = nil) {
        self.version = version
        self.payload = payload
        self.attempts = attempts
        self.notBefore = notBefore
        self.pendingSince = pendingSince
        self.lastError = lastError
    }
}
