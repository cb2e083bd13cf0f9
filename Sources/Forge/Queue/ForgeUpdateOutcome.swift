/// What performing one update did on the forge, as `GitHubUpdatePerformer.apply` returns it and
/// its `onPerformed` observer receives it (e.g. to learn the number of the promotion pull request).
public enum ForgeUpdateOutcome: Sendable, Equatable {
    /// Whether an object was created, changed, or already as wanted.
    public enum Action: String, Sendable, Equatable {
        case created, updated, unchanged
    }

    /// The sticky comment's id.
    case comment(id: Int)
    case status
    /// The deployment (created now, or found) and the status just added to it.
    case deployment(id: Int, created: Bool, statusID: Int)
    /// The pull request kept for the head and base branches.
    case pullRequest(number: Int, action: Action)
    /// Whether the label was there (false: already gone).
    case labelRemoved(wasPresent: Bool)
    case commitComment(id: Int)
}
