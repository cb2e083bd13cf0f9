/// One entry of `GET /images/json`.
public struct ImageSummary: Sendable, Decodable, Equatable {
    /// The image id, `sha256:...`.
    public let id: String
    public let repoTags: [String]
    public let labels: [String: String]
    public let size: Int64
    /// Seconds since 1970.
    public let created: Int64

    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", labels = "Labels", size = "Size", created = "Created"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        repoTags = try container.decodeIfPresent([String].self, forKey: .repoTags) ?? []
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        size = try container.decodeIfPresent(Int64.self, forKey: .size) ?? 0
        created = try container.decodeIfPresent(Int64.self, forKey: .created) ?? 0
    }
}
