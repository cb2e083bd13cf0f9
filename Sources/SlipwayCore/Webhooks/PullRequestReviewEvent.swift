/// A `pull_request_review` delivery: someone submitted, edited or dismissed a review. Slipway
/// reads reviews from the forge when it evaluates a promotion, so the delivery is a hint that
/// wakes a reconcile (and the evaluation after it) instead of waiting for the next tick.
public struct PullRequestReviewEvent: Sendable, Equatable {
    /// `submitted`, `edited` or `dismissed`.
    public var action: String
    public var number: Int
    /// The pull request's head and base branches and head SHA as the delivery reports them.
    public var headRef: String
    public var headSHA: String
    public var baseRef: String
    /// The reviewer, the review's state (`approved`, `changes_requested`, ...) and the commit it
    /// was given at.
    public var reviewer: String?
    public var state: String?
    public var commitID: String?
    public var sender: String?
    public var repository: RepositoryRef

    public init(action: String, number: Int, headRef: String, headSHA: String, baseRef: String, reviewer: String?, state: String?,
                commitID: String?, sender: String?, repository: RepositoryRef) {
        self.action = action
        self.number = number
        self.headRef = headRef
        self.headSHA = headSHA
        self.baseRef = baseRef
        self.reviewer = reviewer
        self.state = state
        self.commitID = commitID
        self.sender = sender
        self.repository = repository
    }
}
