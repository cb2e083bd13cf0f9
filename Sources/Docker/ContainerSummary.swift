/// One entry of `GET /containers/json`.
public struct ContainerSummary: Sendable, Decodable, Equatable {
    public let id: String
    /// Names without Docker's leading `/`.
    public let names: [String]
    public let image: String
    public let imageID: String
    public let labels: [String: String]
    /// `created`, `running`, `exited`, ...
    public let state: String
    /// Human text such as `Up 5 seconds (healthy)`.
    public let status: String

    enum CodingKeys: String, CodingKey {
        case id = "Id", names = "Names", image = "Image", imageID = "ImageID", labels = "Labels", state = "State", status = "Status"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        names = (try container.decodeIfPresent([String].self, forKey: .names) ?? []).map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        image = try container.decodeIfPresent(String.self, forKey: .image) ?? ""
        imageID = try container.decodeIfPresent(String.self, forKey: .imageID) ?? ""
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        state = try container.decodeIfPresent(String.self, forKey: .state) ?? ""
        status = try container.decodeIfPresent(String.self, forKey: .status) ?? ""
    }
}
