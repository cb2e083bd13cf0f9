public import Store

/// Where open pull requests come from when a forge is configured (GitHub's API): the forge's
/// list is authoritative, so PRs closed on the forge are closed here even though GitHub keeps
/// their `refs/pull/<n>/head` forever. Without one, PRs come from those refs and the webhooks.
public protocol PullRequestSource: Sendable {
    /// Every open pull request, with metadata (`updatedAt` set, `labelHeads` empty).
    func openPullRequests() throws -> [PullRequestRecord]

    /// Whether `login` may push to the repository (write, maintain or admin): only such a
    /// person's trust label makes a fork PR buildable.
    func hasWriteAccess(_ login: String) throws -> Bool
}
