/// One entry of `DELETE /images/{name}`'s answer: a tag removed or a layer/image deleted.
public struct ImageRemoval: Sendable, Decodable, Equatable {
    public let untagged: String?
    public let deleted: String?

    enum CodingKeys: String, CodingKey {
        case untagged = "Untagged", deleted = "Deleted"
    }
}
