/// The calls Slipway makes to the forge, each with the permission a fine-grained token or GitHub
/// App needs for it (named as GitHub's settings page names it), so a refusal can say what to grant.
public enum ForgeOperation: String, Sendable, CaseIterable, CustomStringConvertible {
    case listPullRequests = "list open pull requests"
    case getPullRequest = "get a pull request"
    case listComments = "list comments on a pull request"
    case createComment = "create a comment on a pull request"
    case updateComment = "update a comment"
    case deleteComment = "delete a comment"
    case createStatus = "create a commit status"
    case getCollaboratorPermission = "read a collaborator's permission"
    case listLabels = "list labels on a pull request"
    case removeLabel = "remove a label from a pull request"
    case addLabels = "add labels to a pull request"
    case createPullRequest = "create a pull request"
    case updatePullRequest = "update a pull request"
    case listReviews = "list the reviews of a pull request"
    case getCombinedStatus = "read the combined commit status of a ref"
    case listCheckRuns = "list the check runs of a ref"
    case listDeployments = "list deployments"
    case createDeployment = "create a deployment"
    case listDeploymentStatuses = "list the statuses of a deployment"
    case createDeploymentStatus = "create a deployment status"
    case createCommitComment = "comment on a commit"
    case getInstallation = "find the GitHub App installation"
    case createInstallationToken = "create a GitHub App installation token"
    case getAuthenticatedUser = "learn the bot's login from the token (GET /user)"
    case getAuthenticatedApp = "learn the GitHub App's slug (GET /app)"
    case getRateLimit = "read the rate limit (GET /rate_limit)"
    case listHookDeliveries = "list the deliveries of the repository webhook"
    case redeliverHookDelivery = "redeliver a webhook delivery"
    case listAppHookDeliveries = "list the deliveries of the GitHub App's webhook"
    case redeliverAppHookDelivery = "redeliver a delivery of the GitHub App's webhook"
    case getBranch = "read a branch and whether it is protected"

    public var description: String { rawValue }

    /// The permission the token likely lacks when GitHub refuses this operation.
    public var permission: String {
        switch self {
        case .listPullRequests, .getPullRequest, .listReviews: "pull_requests: read"
        case .createPullRequest, .updatePullRequest: "pull_requests: write"
        case .addLabels: "issues: write"
        case .getCombinedStatus: "statuses: read"
        case .listCheckRuns: "checks: read"
        case .listDeployments, .listDeploymentStatuses: "deployments: read"
        case .createDeployment, .createDeploymentStatus: "deployments: write"
        case .createCommitComment: "contents: write"
        case .getBranch: "contents: read"
        case .listComments, .listLabels: "issues: read"
        case .createComment, .updateComment, .deleteComment, .removeLabel: "issues: write"
        case .createStatus: "statuses: write"
        case .getCollaboratorPermission: "metadata: read"
        case .getInstallation, .createInstallationToken: "an installation of the App on the repository (check the app id and private key)"
        case .getAuthenticatedUser: "a token that may read its own user: a classic or fine-grained personal access token of the bot's account (an installation token cannot: give the App's id and key instead)"
        case .getAuthenticatedApp: "the App's own JWT (check the app id and private key)"
        case .getRateLimit: "a valid token (any token may read its own rate limit)"
        case .listHookDeliveries: "webhooks: read (repository_hooks), on a repository hook that exists (check --forge-hook-id)"
        case .redeliverHookDelivery: "webhooks: write (repository_hooks)"
        case .listAppHookDeliveries, .redeliverAppHookDelivery: "the App's own JWT (check the app id and private key; the App's webhook must be active)"
        }
    }
}
