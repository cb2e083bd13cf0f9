/// A branch head of a promoted environment that the bot did not put there: not deployed
/// (unless the spec allows direct pushes), and reported on the commit.
public struct UnapprovedPush: Sendable, Equatable, Codable {
    public var environment: String
    public var branch: String
    public var sha: String
    /// The commit the environment keeps running, if any.
    public var running: String?

    public init(environment: String, branch: String, sha: String, running: String?) {
        self.environment = environment
        self.branch = branch
        self.sha = sha
        self.running = running
    }
}
