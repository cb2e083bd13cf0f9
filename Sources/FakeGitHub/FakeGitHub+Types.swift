public import Foundation
public import HTTPTypes

extension FakeGitHub {
    /// One request as the fake received it.
    public struct RecordedRequest: Sendable {
        public var method: String
        public var path: String
        public var query: String?
        public var headers: HTTPHeaders
        public var body: Data

        /// The body parsed as a JSON object, or nil.
        public var jsonBody: [String: any Sendable]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: any Sendable]
        }

        /// The first value of query parameter `name`.
        public func queryValue(_ name: String) -> String? {
            HTTPRequest(method: method, path: path, query: query).queryValue(name)
        }
    }

    /// A failure the fake answers with instead of (or before) the real answer.
    public enum Failure: Sendable, Equatable {
        /// A 5xx with a JSON message.
        case serverError(status: Int)
        /// 403 with `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset: resetAt` (epoch seconds),
        /// GitHub's primary rate limit.
        case rateLimit(resetAt: Int)
        /// `status` (429 or 403) with `Retry-After: seconds`, GitHub's secondary rate limit.
        case retryAfter(seconds: Int, status: Int)
        /// Answers normally, after `seconds`.
        case delay(seconds: Double)
        /// `status` (e.g. 404, 422) with a JSON message.
        case status(Int)
    }

    /// What a token may touch, as GitHub's permission groups.
    public enum Scope: String, Sendable, CaseIterable {
        case pullRequests = "pull_requests"
        case issues
        case statuses
        case metadata
        /// `GET /user` (GitHub refuses installation tokens there; a test may refuse others).
        case user
        /// Check runs (`commits/{ref}/check-runs`).
        case checks
        /// Deployments and their statuses.
        case deployments
        /// Repository contents: commit comments (`commits/{sha}/comments`).
        case contents
        /// Repository webhooks and their deliveries (`hooks/...`).
        case webhooks = "repository_hooks"
    }

    /// A token the fake accepts: the login it acts as, and scopes refused with 403 or 404.
    public struct Grant: Sendable {
        public var login: String
        public var denied: [Scope: Int]
        /// Installation tokens expire; static tokens do not.
        public var expiresAt: Date?
        /// Minted for a GitHub App installation (refused by `GET /user`).
        public var isInstallation = false
    }

    public struct PullRequest: Sendable, Equatable {
        public var number: Int
        public var title: String
        public var state: String
        public var headSHA: String
        public var headRef: String
        public var baseRef: String
        public var author: String
        /// `owner/name` of the repository the head branch lives in: nil for this repository, a
        /// fork's name otherwise.
        public var headRepository: String?
        public var body: String = ""
        /// Set when the base branch was moved to the head commit (`setBranch`): GitHub then
        /// records the pull request as merged and closes it.
        public var mergedAt: Date?
    }

    /// A review of a pull request (`addReview`).
    public struct Review: Sendable, Equatable {
        public var id: Int
        public var pullRequest: Int
        public var login: String
        /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
        public var state: String
        /// The head commit the review was given at.
        public var commitID: String
        public var submittedAt: Date
    }

    /// A check run on a commit (`setCheckRun`).
    public struct CheckRun: Sendable, Equatable {
        public var id: Int
        public var sha: String
        public var name: String
        /// `queued`, `in_progress` or `completed`.
        public var status: String
        /// Set when completed: `success`, `failure`, `neutral`, `cancelled`, `skipped`, `timed_out`, ...
        public var conclusion: String?
    }

    /// A GitHub Deployment as created through the API.
    public struct Deployment: Sendable, Equatable {
        public var id: Int
        public var sha: String
        public var ref: String
        public var environment: String
        public var task: String
        public var description: String
        public var transientEnvironment: Bool
        public var productionEnvironment: Bool
        /// As sent (GitHub defaults it to true; Slipway must send false).
        public var autoMerge: Bool
        /// As sent; nil when the field was left out (GitHub then checks every context).
        public var requiredContexts: [String]?
        /// The payload's values (non-string values as their JSON text).
        public var payload: [String: String]
        public var creator: String
        public var createdAt: Date
    }

    /// A status of a deployment.
    public struct DeploymentStatus: Sendable, Equatable {
        public var id: Int
        public var deploymentID: Int
        public var state: String
        public var description: String
        public var environmentURL: String?
        public var logURL: String?
        public var creator: String
        /// Added by GitHub itself (`auto_inactive` after a newer success), not by a request.
        public var automatic: Bool
        public var createdAt: Date
    }

    /// A comment on a commit.
    public struct CommitComment: Sendable, Equatable {
        public var id: Int
        public var sha: String
        public var body: String
        public var login: String
    }

    public struct Comment: Sendable, Equatable {
        public var id: Int
        public var issue: Int
        public var body: String
        public var login: String
        public var createdAt: Date
        public var updatedAt: Date
    }

    public struct Status: Sendable, Equatable {
        public var id: Int
        public var sha: String
        public var state: String
        public var context: String
        public var description: String?
        public var targetURL: String?
    }

    /// A GitHub App installed on the repository: the fake verifies its JWTs and mints tokens.
    public struct App: Sendable {
        public var appID: String
        /// `GET /app`'s `slug`; the App's tokens act as `<slug>[bot]`.
        public var slug: String
        public var publicKeyPEM: String
        public var installationID: Int
        public var tokenLifetime: Double
        /// What `GET /app` lists as the App's permissions (`setAppPermissions`).
        public var permissions: [String: String] = App.defaultPermissions

        /// Every permission Slipway uses, as an App that was set up right has them.
        public static let defaultPermissions = ["issues": "write", "statuses": "write", "pull_requests": "write", "metadata": "read",
                                                "checks": "read", "deployments": "write", "contents": "write",
                                                "repository_hooks": "write"]
    }

    /// A delivery of a repository webhook (`repos/list-webhook-deliveries`' `hook-delivery-item`).
    public struct HookDelivery: Sendable, Equatable {
        public var id: Int
        /// The `X-GitHub-Delivery` id (shared by a delivery and its redeliveries).
        public var guid: String
        public var deliveredAt: Date
        public var redelivery: Bool
        public var statusCode: Int
        public var status: String
        public var event: String
        public var action: String?
        /// The App installation the event came from (App webhooks only).
        public var installationID: Int? = nil
    }

    /// A redelivery the fake was asked for.
    public struct Redelivery: Sendable, Equatable {
        public var hookID: Int
        /// The delivery named in the request.
        public var deliveryID: Int
        public var guid: String

        public init(hookID: Int, deliveryID: Int, guid: String) {
            self.hookID = hookID
            self.deliveryID = deliveryID
            self.guid = guid
        }
    }

    /// The core rate limit `GET /rate_limit` reports.
    public struct RateLimit: Sendable, Equatable {
        public var limit: Int
        public var remaining: Int
        /// Epoch seconds.
        public var reset: Int
    }
}
