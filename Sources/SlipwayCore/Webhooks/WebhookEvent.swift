/// A GitHub webhook delivery Slipway acts on, decoded by `WebhookDecoder`.
///
/// A value type; safe to share between threads.
public enum WebhookEvent: Sendable, Equatable {
    case ping(PingEvent)
    case push(PushEvent)
    case pullRequest(PullRequestEvent)
    case pullRequestReview(PullRequestReviewEvent)

    /// The `X-GitHub-Event` name this event arrives under.
    public var name: String {
        switch self {
        case .ping: "ping"
        case .push: "push"
        case .pullRequest: "pull_request"
        case .pullRequestReview: "pull_request_review"
        }
    }

    /// The repository the delivery is about, if it names one.
    public var repository: RepositoryRef? {
        switch self {
        case .ping(let ping): ping.repository
        case .push(let push): push.repository
        case .pullRequest(let pullRequest): pullRequest.repository
        case .pullRequestReview(let review): review.repository
        }
    }
}
