/// A `ping` delivery: GitHub sends one when a hook is created, and on demand.
///
/// Every field is optional because organisation and GitHub App hooks ping without a repository.
/// A value type; safe to share between threads.
public struct PingEvent: Sendable, Equatable {
    /// A random GitHub aphorism (`zen`).
    public var zen: String?
    /// The id of the hook that pinged (`hook_id`); equals the `X-GitHub-Hook-ID` header.
    public var hookID: Int64?
    /// The repository of a repository hook.
    public var repository: RepositoryRef?

    public init(zen: String? = nil, hookID: Int64? = nil, repository: RepositoryRef? = nil) {
        self.zen = zen
        self.hookID = hookID
        self.repository = repository
    }
}
