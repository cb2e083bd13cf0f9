/// The repository a webhook delivery is about, reduced to the fields Slipway acts on.
///
/// A value type; safe to share between threads.
public struct RepositoryRef: Sendable, Equatable, Hashable {
    /// GitHub's numeric repository id (`repository.id`); stable across renames.
    public var id: Int64?
    /// `owner/name`, e.g. `Codertocat/Hello-World` (`repository.full_name`).
    public var fullName: String
    /// The bare name, e.g. `Hello-World` (`repository.name`).
    public var name: String
    /// The owner's login (`repository.owner.login`).
    public var ownerLogin: String
    /// The HTTPS clone URL (`repository.clone_url`).
    public var cloneURL: String?
    /// The web page of the repository (`repository.html_url`).
    public var htmlURL: String?
    /// The default branch, e.g. `main` (`repository.default_branch`).
    public var defaultBranch: String?

    public init(
        id: Int64? = nil, fullName: String, name: String, ownerLogin: String,
        cloneURL: String? = nil, htmlURL: String? = nil, defaultBranch: String? = nil
    ) {
        self.id = id
        self.fullName = fullName
        self.name = name
        self.ownerLogin = ownerLogin
        self.cloneURL = cloneURL
        self.htmlURL = htmlURL
        self.defaultBranch = defaultBranch
    }
}
