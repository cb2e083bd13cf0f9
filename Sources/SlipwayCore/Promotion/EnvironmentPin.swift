public import Foundation

/// A person's explicit action that sticks: a rollback, an `env deploy` or an `env teardown` of
/// a branch environment pins it, so reconcile does not roll it forward (or bring it back) until
/// the next promotion or `slipway env unpin`.
public struct EnvironmentPin: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable {
        case rollback, deploy, teardown
    }

    public var environment: String
    public var action: Action
    /// The commit it is held at; nil when it was torn down.
    public var sha: String?
    /// Who did it (a GitHub login, or the operator's name for CLI actions).
    public var actor: String
    public var reason: String?
    public var at: Date

    public init(environment: String, action: Action, sha: String?, actor: String, reason: String?, at: Date) {
        self.environment = environment
        self.action = action
        self.sha = sha
        self.actor = actor
        self.reason = reason
        self.at = at
    }

    /// `pinned by alice (rollback to abc1234: broken checkout)`.
    public var summary: String {
        let what = sha.map { "\(action.rawValue) to \($0.prefix(7))" } ?? action.rawValue
        return "pinned by \(actor) (\(what)\(reason.map { ": \($0)" } ?? ""))"
    }
}
