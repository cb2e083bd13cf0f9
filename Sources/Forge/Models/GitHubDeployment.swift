public import Foundation

/// A GitHub Deployment (`repos/create-deployment`, `repos/list-deployments`): one ref (a SHA,
/// for Slipway) deployed to one named environment.
public struct GitHubDeployment: Sendable, Equatable, Decodable {
    public var id: Int
    /// The commit deployed.
    public var sha: String
    /// The ref given at creation (Slipway gives the SHA itself).
    public var ref: String
    public var environment: String
    public var task: String?
    public var description: String?
    public var transientEnvironment: Bool?
    public var productionEnvironment: Bool?
    public var creator: GitHubUser?
    public var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, sha, ref, environment, task, description, creator
        case transientEnvironment = "transient_environment"
        case productionEnvironment = "production_environment"
        case createdAt = "created_at"
    }

    public init(id: Int, sha: String, ref: String, environment: String, task: String? = nil, description: String? = nil,
                transientEnvironment: Bool? = nil, productionEnvironment: Bool? = nil, creator: GitHubUser? = nil, createdAt: Date? = nil) {
        self.id = id
        self.sha = sha
        self.ref = ref
        self.environment = environment
        self.task = task
        self.description = description
        self.transientEnvironment = transientEnvironment
        self.productionEnvironment = productionEnvironment
        self.creator = creator
        self.createdAt = createdAt
    }
}
