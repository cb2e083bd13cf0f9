/// The state a GitHub Deployment of `sha` to `environment` should reach, queued as
/// `ForgeUpdatePayload.deployment` (key `deployment:<environment>:<sha>`).
///
/// The performer lists the deployments of `sha` to `environment` and creates one only when there
/// is none (the oldest wins if several exist), then posts the status. So a retried or replayed
/// update never creates a second deployment, and, the newest version of a key winning, a
/// deployment that went `in_progress` -> `success` while the forge was down gets `success` alone.
/// A plain value, Codable (persisted inside `ForgeUpdate`).
public struct DeploymentUpdate: Sendable, Equatable, Codable {
    /// The states Slipway reports.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Building or deploying.
        case inProgress = "in_progress"
        /// Healthy, serving at `environmentURL`.
        case success
        /// The deploy failed (build, deploy command or health check).
        case failure
        /// Slipway could not try (infrastructure error).
        case error
        /// Torn down, or superseded.
        case inactive
    }

    public var environment: String
    /// The full commit SHA deployed.
    public var sha: String
    public var state: State
    /// Where the environment serves (GitHub's "View deployment" button); sent with `success`.
    public var environmentURL: String?
    /// Where to read the deploy's log or evidence.
    public var logURL: String?
    /// One line, at most 140 characters.
    public var description: String
    /// A preview: GitHub shows it destroyed once `inactive`.
    public var transient: Bool
    /// Production: end users use it.
    public var production: Bool
    /// Extra information kept with the deployment when it is created (e.g. the evidence id).
    public var payload: [String: String]

    public init(environment: String, sha: String, state: State, environmentURL: String? = nil, logURL: String? = nil,
                description: String = "", transient: Bool = false, production: Bool = false, payload: [String: String] = [:]) {
        self.environment = environment
        self.sha = sha
        self.state = state
        self.environmentURL = environmentURL
        self.logURL = logURL
        self.description = CommitStatusRequest.oneLine(description)
        self.transient = transient
        self.production = production
        self.payload = payload
    }

    /// The deployment to create when none exists yet.
    public var deploymentRequest: DeploymentRequest {
        DeploymentRequest(sha: sha, environment: environment, transient: transient, production: production,
                          description: description, payload: payload)
    }

    /// The status to post. `environment_url` only goes with `success` and `in_progress`; GitHub
    /// marks earlier successful deployments of the environment inactive on `success` (its default).
    public var statusRequest: DeploymentStatusRequest {
        let url: String? = (state == .success || state == .inProgress) ? environmentURL : nil
        let githubState: DeploymentStatusRequest.State = switch state {
        case .inProgress: .inProgress
        case .success: .success
        case .failure: .failure
        case .error: .error
        case .inactive: .inactive
        }
        return DeploymentStatusRequest(state: githubState, environmentURL: url, logURL: logURL, description: description)
    }
}
