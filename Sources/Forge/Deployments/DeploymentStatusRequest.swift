/// A status to add to a GitHub Deployment: where the deployment stands, with the environment's
/// URL once it serves (GitHub's "View deployment" button) and a link to the log. A plain value.
public struct DeploymentStatusRequest: Sendable, Equatable, Codable {
    /// GitHub's deployment states.
    public enum State: String, Sendable, Codable, CaseIterable {
        case queued
        case pending
        case inProgress = "in_progress"
        case success
        case failure
        case error
        /// Torn down (a transient environment shows as destroyed), or superseded.
        case inactive
    }

    public var state: State
    public var environmentURL: String?
    public var logURL: String?
    /// One line, at most 140 characters (longer text is cut with `…`).
    public var description: String
    /// Whether GitHub marks earlier successful deployments of the same (non-transient,
    /// non-production) environment inactive when this one succeeds; nil: GitHub's default (true).
    public var autoInactive: Bool?

    public init(state: State, environmentURL: String? = nil, logURL: String? = nil, description: String = "", autoInactive: Bool? = nil) {
        self.state = state
        self.environmentURL = environmentURL
        self.logURL = logURL
        self.description = CommitStatusRequest.oneLine(description)
        self.autoInactive = autoInactive
    }

    /// The JSON body of `repos/create-deployment-status`. `environment` is never sent: the
    /// deployment already names it (and the 2022 API description allows only three names there).
    struct WireBody: Encodable {
        var state: String
        var environmentURL: String?
        var logURL: String?
        var description: String
        var autoInactive: Bool?

        enum CodingKeys: String, CodingKey {
            case state, description
            case environmentURL = "environment_url"
            case logURL = "log_url"
            case autoInactive = "auto_inactive"
        }
    }

    var wireBody: WireBody {
        WireBody(state: state.rawValue, environmentURL: environmentURL, logURL: logURL, description: description, autoInactive: autoInactive)
    }
}
