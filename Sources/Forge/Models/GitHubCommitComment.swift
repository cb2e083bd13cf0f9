/// A comment on a commit (`repos/create-commit-comment`).
public struct GitHubCommitComment: Sendable, Equatable, Decodable {
    public var id: Int
    public var body: String
    public var commitID: String?
    public var user: GitHubUser?
    public var htmlURL: String?

    enum CodingKeys: String, CodingKey {
        case id, body, user
        case commitID = "commit_id"
        case htmlURL = "html_url"
    }

    public init(id: Int, body: String, commitID: String? = nil, user: GitHubUser? = nil, htmlURL: String? = nil) {
        self.id = id
        self.body = body
        self.commitID = commitID
        self.user = user
        self.htmlURL = htmlURL
    }
}
