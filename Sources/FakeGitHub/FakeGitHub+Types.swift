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
    }
}
