/// A commit status as `repos/create-commit-status` returns it.
public struct GitHubCommitStatus: Sendable, Equatable, Decodable {
    public var id: Int
    public var state: String
    public var context: String
    public var description: String?
    public var targetURL: String?

    enum CodingKeys: String, CodingKey {
        case id, state, context, description
        case targetURL = "target_url"
    }
}

/// A collaborator's permission (`repos/get-collaborator-permission-level`): `admin`, `write`,
/// `read` or `none` (`role_name` may be finer: `maintain`, `triage`).
public struct GitHubPermission: Sendable, Equatable, Decodable {
    public var permission: String
    public var roleName: String?

    enum CodingKeys: String, CodingKey {
        case permission
        case roleName = "role_name"
    }

    /// Whether the user may push (`admin`, `maintain` or `write`).
    public var canWrite: Bool {
        ["admin", "write"].contains(permission) || ["admin", "maintain", "write"].contains(roleName ?? "")
    }
}
