/// The pull request inside a `pull_request` delivery (`pull_request`).
///
/// A value type; safe to share between threads.
public struct PullRequest: Sendable, Equatable {
    /// `pull_request.state`.
    public enum State: String, Sendable, Equatable, Hashable {
        case open
        case closed
    }

    public var number: Int
    public var state: State
    public var title: String
    /// `false` when GitHub omits `draft` (older payloads).
    public var draft: Bool
    /// `false` when GitHub omits `merged` or sends `null`.
    public var merged: Bool
    /// The test-merge commit while open, the merge commit once merged (`merge_commit_sha`).
    public var mergeCommitSHA: String?
    public var head: PullRequestRef
    public var base: PullRequestRef
    /// The names of the labels on the pull request (`labels[].name`), in GitHub's order.
    public var labels: [String]
    /// The login of the pull request's author (`user.login`).
    public var author: String?
    /// `updated_at` as GitHub sends it (ISO 8601, UTC): orders deliveries that arrive out of order.
    public var updatedAt: String?

    public init(
        number: Int, state: State, title: String, draft: Bool = false, merged: Bool = false,
        mergeCommitSHA: String? = nil, head: PullRequestRef, base: PullRequestRef,
        labels: [String] = [], author: String? = nil, updatedAt: String? = nil
    ) {
        self.updatedAt = updatedAt
        self.number = number
        self.state = state
        self.title = title
        self.draft = draft
        self.merged = merged
        self.mergeCommitSHA = mergeCommitSHA
        self.head = head
        self.base = base
        self.labels = labels
        self.author = author
    }

    /// The head branch lives in another repository than the base branch, or its repository is
    /// gone (`head.repo: null`, a deleted fork). Code from such a branch is untrusted.
    /// Repository names are compared case-insensitively, as GitHub treats them.
    public var isFromFork: Bool { provenance != .sameRepository }

    /// Same repository or fork, as this (verified) delivery reports it.
    public var provenance: PullRequestProvenance {
        PullRequestProvenance.from(headRepository: head.repoFullName, baseRepository: base.repoFullName)
    }
}
