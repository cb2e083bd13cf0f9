/// The authenticated GitHub App (`apps/get-authenticated`, the `integration` schema): what
/// diagnostics compare with the permissions Slipway needs.
public struct GitHubApp: Sendable, Equatable, Decodable {
    public var id: Int
    /// Not marked required by GitHub's schema.
    public var slug: String?
    public var name: String
    /// Permission name (`contents`, `pull_requests`, ...) to `read` or `write`.
    public var permissions: [String: String]

    public init(id: Int, slug: String?, name: String, permissions: [String: String]) {
        self.id = id
        self.slug = slug
        self.name = name
        self.permissions = permissions
    }
}
