public import Foundation

/// A comment on an issue or pull request (`issues/list-comments`, `issues/create-comment`).
public struct GitHubIssueComment: Sendable, Equatable, Decodable {
    public var id: Int
    public var body: String
    public var user: GitHubUser?
    public var createdAt: Date?
    public var updatedAt: Date?
    public var htmlURL: String?

    enum CodingKeys: String, CodingKey {
        case id, body, user
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case htmlURL = "html_url"
    }

    public init(id: Int, body: String, user: GitHubUser? = nil, createdAt: Date? = nil, updatedAt: Date? = nil, htmlURL: String? = nil) {
        self.id = id
        self.body = body
        self.user = user
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.htmlURL = htmlURL
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int.self, forKey: .id)
        body = try container.decodeIfPresent(String.self, forKey: .body) ?? ""
        user = try container.decodeIfPresent(GitHubUser.self, forKey: .user)
        createdAt = try container.decodeIfPresent(Date.self, forKey: .createdAt)
        updatedAt = try container.decodeIfPresent(Date.self, forKey: .updatedAt)
        htmlURL = try container.decodeIfPresent(String.self, forKey: .htmlURL)
    }
}
