/// Where a pull request's code comes from, as far as the bot can tell. Three-valued on purpose:
/// `unknown` (a PR seen only as `refs/pull/<n>/head`, which GitHub keeps for every PR ever
/// opened, forks included) is treated like a fork that nobody vouched for.
public enum PullRequestProvenance: String, Sendable, Codable, CaseIterable {
    /// A verified webhook or the forge says the head branch lives in this repository.
    case sameRepository = "same-repository"
    /// A verified webhook or the forge says the head branch lives in another repository.
    case fork
    /// Known only from git refs: nobody trustworthy has said where it comes from.
    case unknown

    /// The provenance of a PR whose head and base repositories are `head` and `base`
    /// (`owner/name`, compared case-insensitively). A missing head repository (a deleted fork)
    /// is a fork.
    public static func from(headRepository head: String?, baseRepository base: String?) -> PullRequestProvenance {
        guard let head, let base else { return .fork }
        return head.lowercased() == base.lowercased() ? .sameRepository : .fork
    }
}
