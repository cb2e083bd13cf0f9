public import Foundation

/// A pull request as the REST API returns it (`pulls/list`, `pulls/get`): only the fields Slipway
/// reads; unknown fields are ignored.
public struct GitHubPullRequest: Sendable, Equatable, Decodable {
    public struct Branch: Sendable, Equatable, Decodable {
        public var ref: String
        public var sha: String
        /// The repository the branch lives in (nil when it was deleted).
        public var repo: Repository?
    }

    public struct Repository: Sendable, Equatable, Decodable {
        public var fullName: String
        enum CodingKeys: String, CodingKey { case fullName = "full_name" }
    }

    public var number: Int
    /// `open` or `closed`.
    public var state: String
    public var title: String
    /// The description (nil or empty when none).
    public var body: String?
    public var draft: Bool?
    public var user: GitHubUser?
    public var head: Branch
    public var base: Branch
    public var labels: [GitHubLabel]
    public var htmlURL: String?
    public var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case number, state, title, body, draft, user, head, base, labels
        case htmlURL = "html_url"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        number = try container.decode(Int.self, forKey: .number)
        state = try container.decode(String.self, forKey: .state)
        title = try container.decodeIfPresent(String.self, forKey: .title) ?? ""
        body = try container.decodeIfPresent(String.self, forKey: .body)
        draft = try container.decodeIfPresent(Bool.self, forKey: .draft)
        user = try container.decodeIfPresent(GitHubUser.self, forKey: .user)
        head = try container.decode(Branch.self, forKey: .head)
        base = try container.decode(Branch.self, forKey: .base)
        labels = try container.decodeIfPresent([GitHubLabel].self, forKey: .labels) ?? []
        htmlURL = try container.decodeIfPresent(String.self, forKey: .htmlURL)
        updatedAt = try container.decodeIfPresent(Date.self, forKey: .updatedAt)
    }
}

/// A user or bot account (`login` is `slipway[bot]` for an App).
public struct GitHubUser: Sendable, Equatable, Decodable {
    public var login: String
    public var type: String?

    public init(login: String, type: String? = nil) {
        self.login = login
        self.type = type
    }
}

/// A label on an issue or pull request.
public struct GitHubLabel: Sendable, Equatable, Decodable {
    public var name: String

    public init(name: String) {
        self.name = name
    }
}
