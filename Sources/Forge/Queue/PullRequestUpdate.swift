/// One open pull request from branch `head` into branch `base` of this repository, with this
/// title and body, queued as `ForgeUpdatePayload.pullRequest` (key `pull:<head>:<base>`).
///
/// The performer lists the open pull requests with `head=OWNER:<head>&base=<base>`; when one
/// exists (the lowest number if several) it is updated if its title or body differ, else left
/// alone; when none does, one is created. Its number comes back as
/// `ForgeUpdateOutcome.pullRequest(number:action:)` through the performer's `onPerformed`.
/// A pull request a person opened for the same branches is adopted the same way. A plain value,
/// Codable (persisted inside `ForgeUpdate`).
public struct PullRequestUpdate: Sendable, Equatable, Codable {
    /// The branch with the changes (e.g. `staging`).
    public var head: String
    /// The branch they go into (e.g. `production`).
    public var base: String
    public var title: String
    /// The whole body, bot-owned: replaced as given.
    public var body: String

    public init(head: String, base: String, title: String, body: String) {
        self.head = head
        self.base = base
        self.title = title
        self.body = body
    }
}
