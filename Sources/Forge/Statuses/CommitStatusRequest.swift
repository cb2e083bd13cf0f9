import Foundation

/// A commit status to set: `slipway/<environment>` on the head SHA, pending while building,
/// success with the environment URL, failure or error with a one-line reason, and success
/// "Environment torn down" without a URL once the environment is gone. A plain value.
public struct CommitStatusRequest: Sendable, Equatable, Codable {
    /// GitHub's states for commit statuses.
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, success, failure, error
    }

    /// GitHub's limit on `description`.
    public static let maxDescriptionLength = 140

    public var sha: String
    public var context: String
    public var state: State
    public var targetURL: String?
    /// One line, at most 140 characters (longer text is cut with `…`).
    public var description: String

    public init(sha: String, context: String, state: State, targetURL: String? = nil, description: String) {
        self.sha = sha
        self.context = context
        self.state = state
        self.targetURL = targetURL
        self.description = Self.oneLine(description)
    }

    /// `slipway/<environment>`.
    public static func context(environment: String) -> String { "slipway/\(environment)" }

    /// The status that shows an environment's state on its head commit.
    public static func forEnvironment(_ environment: String, sha: String, state: PRCommentState.EnvironmentState,
                                      url: String? = nil, reason: String? = nil, isInfrastructureError: Bool = false) -> CommitStatusRequest {
        let context = context(environment: environment)
        switch state {
        case .building:
            return CommitStatusRequest(sha: sha, context: context, state: .pending, description: "Building the environment")
        case .deploying:
            return CommitStatusRequest(sha: sha, context: context, state: .pending, description: "Deploying the environment")
        case .healthy:
            return CommitStatusRequest(sha: sha, context: context, state: .success, targetURL: url,
                                       description: url.map { "Healthy at \($0)" } ?? "Deployed and healthy")
        case .failed:
            return CommitStatusRequest(sha: sha, context: context, state: isInfrastructureError ? .error : .failure,
                                       description: reason ?? "The deployment failed")
        case .tornDown:
            // Still `success` (the deploy worked; a red mark on a merged PR would say otherwise),
            // but without a target URL: nothing answers there any more.
            return CommitStatusRequest(sha: sha, context: context, state: .success, targetURL: nil,
                                       description: reason.map { "Environment torn down: \($0)" } ?? "Environment torn down")
        }
    }

    /// The first non-empty line, whitespace collapsed, cut to 140 characters.
    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty } ?? ""
        let collapsed = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        guard collapsed.count > maxDescriptionLength else { return collapsed }
        return String(collapsed.prefix(maxDescriptionLength - 1)) + "…"
    }

    /// The JSON body of `repos/create-commit-status`.
    struct WireBody: Encodable {
        var state: String
        var targetURL: String?
        var description: String
        var context: String
        enum CodingKeys: String, CodingKey {
            case state, description, context
            case targetURL = "target_url"
        }
    }

    var wireBody: WireBody {
        WireBody(state: state.rawValue, targetURL: targetURL, description: description, context: context)
    }
}

