public import Foundation

/// What a forge update is about: one sticky comment per pull request, one status per commit and
/// context. Only the newest version of each key is ever sent.
public enum ForgeUpdateKey: Sendable, Hashable, Codable, CustomStringConvertible {
    case comment(pullRequest: Int)
    case status(sha: String, context: String)

    /// A stable text form, e.g. `comment:42` or `status:<sha>:slipway/pr-42` (a store column).
    public var description: String {
        switch self {
        case .comment(let number): "comment:\(number)"
        case .status(let sha, let context): "status:\(sha):\(context)"
        }
    }
}

/// The state to write to the forge.
public enum ForgeUpdatePayload: Sendable, Equatable, Codable {
    /// The full body of the pull request's sticky comment (rendered, redacted).
    case comment(pullRequest: Int, body: String)
    case status(CommitStatusRequest)

    public var key: ForgeUpdateKey {
        switch self {
        case .comment(let number, _): .comment(pullRequest: number)
        case .status(let status): .status(sha: status.sha, context: status.context)
        }
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
