/// A GitHub Deployment to create: the SHA deployed to one named environment.
///
/// Sent with `auto_merge: false` (GitHub must never merge anything for Slipway) and
/// `required_contexts: []` (Slipway checks the commit's statuses itself, when policy asks, before
/// deploying; GitHub's own check would refuse a deploy while Slipway's own `slipway/<env>` status
/// is still pending). A plain value.
public struct DeploymentRequest: Sendable, Equatable, Codable {
    /// The commit deployed (a full SHA: GitHub records it as both `ref` and `sha`).
    public var sha: String
    public var environment: String
    /// The environment goes away at some point (previews): GitHub shows it as destroyed once inactive.
    public var transient: Bool
    /// End users use it (production).
    public var production: Bool
    /// One line, at most 140 characters (longer text is cut with `…`).
    public var description: String
    /// Extra information GitHub keeps with the deployment (e.g. the evidence id).
    public var payload: [String: String]

    public init(sha: String, environment: String, transient: Bool = false, production: Bool = false, description: String = "",
                payload: [String: String] = [:]) {
        self.sha = sha
        self.environment = environment
        self.transient = transient
        self.production = production
        self.description = CommitStatusRequest.oneLine(description)
        self.payload = payload
    }

    /// The JSON body of `repos/create-deployment`.
    struct WireBody: Encodable {
        var ref: String
        var task = "deploy"
        var environment: String
        var transientEnvironment: Bool
        var productionEnvironment: Bool
        var autoMerge = false
        var requiredContexts: [String] = []
        var description: String
        var payload: [String: String]

        enum CodingKeys: String, CodingKey {
            case ref, task, environment, description, payload
            case transientEnvironment = "transient_environment"
            case productionEnvironment = "production_environment"
            case autoMerge = "auto_merge"
            case requiredContexts = "required_contexts"
        }
    }

    var wireBody: WireBody {
        WireBody(ref: sha, environment: environment, transientEnvironment: transient, productionEnvironment: production,
                 description: description, payload: payload)
    }
}
