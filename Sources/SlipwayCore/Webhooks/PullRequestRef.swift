/// One end of a pull request (`pull_request.head` or `pull_request.base`).
///
/// A value type; safe to share between threads.
public struct PullRequestRef: Sendable, Equatable, Hashable {
    /// The branch name, e.g. `feature-x` (`ref`; not a full `refs/heads/` name).
    public var ref: String
    /// The commit the branch points to (`sha`).
    public var sha: String
    /// `owner/name` of the repository holding the branch (`repo.full_name`); `nil` when GitHub
    /// sends `repo: null`, which happens when the fork behind a pull request was deleted.
    public var repoFullName: String?

    public init(ref: String, sha: String, repoFullName: String?) {
        self.ref = ref
        self.sha = sha
        self.repoFullName = repoFullName
    }
}
