public import Foundation

/// A status of a GitHub Deployment (`repos/create-deployment-status`,
/// `repos/list-deployment-statuses`).
public struct GitHubDeploymentStatus: Sendable, Equatable, Decodable {
    public var id: Int
    /// `error`, `failure`, `inactive`, `pending`, `success`, `queued` or `in_progress`.
    public var state: String
    public var description: String?
    public var environment: String?
    public var environmentURL: String?
    public var logURL: String?
    public var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, state, description, environment
        case environmentURL = "environment_url"
        case logURL = "log_url"
        case createdAt = "created_at"
    }

    public init(id: Int, state: String, description: String? = nil, environment: String? = nil, environmentURL: String? = nil,
                logURL: String? = nil, createdAt: Date? = nil) {
        self.id = id
        self.state = state
        self.description = description
        self.environment = environment
        self.environmentURL = environmentURL
        self.logURL = logURL
        self.createdAt = createdAt
    }
}
