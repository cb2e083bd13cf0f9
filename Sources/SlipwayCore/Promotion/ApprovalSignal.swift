public import Foundation

/// Something a person did on a promotion pull request that may count as an approval: added the
/// promotion label, or submitted an approving review. `sha` is the PR's head when it was given:
/// an approval binds to that head.
public struct ApprovalSignal: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case label, review
    }

    public var kind: Kind
    /// The GitHub login that gave it.
    public var actor: String
    public var sha: String
    public var at: Date?

    public init(kind: Kind, actor: String, sha: String, at: Date? = nil) {
        self.kind = kind
        self.actor = actor
        self.sha = sha
        self.at = at
    }
}
