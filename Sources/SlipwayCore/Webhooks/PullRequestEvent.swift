/// A `pull_request` delivery with one of the actions in `PullRequestAction`.
///
/// A value type; safe to share between threads.
public struct PullRequestEvent: Sendable, Equatable {
    public var action: PullRequestAction
    /// The pull request number (top-level `number`).
    public var number: Int
    public var pullRequest: PullRequest
    /// The label added or removed (`label.name`); set only for `labeled` and `unlabeled`.
    public var label: String?
    /// The login of the account that triggered the delivery (`sender.login`).
    public var sender: String?
    /// The base repository (`repository`).
    public var repository: RepositoryRef
    /// The previous head SHA; sent with `synchronize` (`before`).
    public var before: String?
    /// The new head SHA; sent with `synchronize` (`after`).
    public var after: String?

    public init(
        action: PullRequestAction, number: Int, pullRequest: PullRequest, label: String? = nil,
        sender: String? = nil, repository: RepositoryRef, before: String? = nil, after: String? = nil
    ) {
        self.action = action
        self.number = number
        self.pullRequest = pullRequest
        self.label = label
        self.sender = sender
        self.repository = repository
        self.before = before
        self.after = after
    }
}
