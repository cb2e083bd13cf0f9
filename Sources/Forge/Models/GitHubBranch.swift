/// A branch as `repos/get-branch` answers it (`branch-with-protection`; only what Slipway reads).
public struct GitHubBranch: Sendable, Equatable, Decodable {
    public struct Commit: Sendable, Equatable, Decodable {
        public var sha: String
    }

    public var name: String
    public var commit: Commit
    /// Whether a branch protection rule applies (pushes may be refused; changes go through pull requests).
    public var protected: Bool

    public init(name: String, sha: String, protected: Bool) {
        self.name = name
        self.commit = Commit(sha: sha)
        self.protected = protected
    }
}
