public import Foundation

/// A forge call that failed, saying which repository, which operation and (for refusals) which
/// permission the credentials likely lack. Never contains a token, a JWT or a private key: text
/// that came from GitHub is passed through the client's redactor, and request headers are never
/// part of it. A plain value: safe to pass between threads.
public struct ForgeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 401: the token is invalid, expired or revoked (or the App JWT was refused).
        case unauthorized
        /// 403 without a rate limit: the token lacks `permission`.
        case forbidden
        /// 404: the repository (or the object) does not exist, or the token cannot see it.
        case notFound
        /// Rate limited for longer than the client may wait; retry at `retryAt` (when known).
        case rateLimited(retryAt: Date?)
        /// 5xx after every attempt allowed.
        case serverError(status: Int)
        /// No response (connection failure, timeout) after every attempt allowed.
        case network
        /// Another status GitHub answered (e.g. 422 validation failed).
        case unexpectedStatus(Int)
        /// A 2xx whose body is not the JSON expected.
        case invalidResponse
        /// Local misconfiguration found before any request (bad base URL, unreadable key, ...).
        case invalidConfiguration
    }

    public let kind: Kind
    public let repository: ForgeRepository?
    public let operation: ForgeOperation
    /// What happened, in one sentence, secrets removed (GitHub's own message when it sent one).
    public let detail: String

    public init(kind: Kind, repository: ForgeRepository?, operation: ForgeOperation, detail: String) {
        self.kind = kind
        self.repository = repository
        self.operation = operation
        self.detail = detail
    }

    /// The permission this operation needs (and the credentials likely lack for 403/404).
    public var permission: String { operation.permission }

    /// Whether retrying cannot help until someone changes the configuration (token, permissions,
    /// repository name): 401, 403 without rate limit, 404, and local configuration errors.
    public var isConfigurationError: Bool {
        switch kind {
        case .unauthorized, .forbidden, .notFound, .invalidConfiguration: true
        default: false
        }
    }

    /// Whether GitHub refused the request itself (a 4xx other than 401, 403, 404 and rate limits,
    /// e.g. 422 "validation failed"): sending the same request again gets the same answer.
    public var isRefusal: Bool {
        if case .unexpectedStatus(let status) = kind { return (400..<500).contains(status) && status != 429 }
        return false
    }

    /// Whether a later retry may succeed (outage, rate limit, network).
    public var isTransient: Bool {
        switch kind {
        case .rateLimited, .serverError, .network: true
        default: false
        }
    }

    public var description: String {
        let target = repository.map { " on \($0)" } ?? ""
        let action = "could not \(operation.rawValue)\(target)"
        switch kind {
        case .unauthorized:
            return "forge: \(action): the credentials were refused (401): the token is invalid, expired or revoked; it needs \"\(permission)\". GitHub said: \(detail)"
        case .forbidden:
            return "forge: \(action): permission denied (403): the token likely lacks \"\(permission)\". GitHub said: \(detail)"
        case .notFound:
            return "forge: \(action): not found (404): the repository or object does not exist, or the token cannot see it (it needs \"\(permission)\"). GitHub said: \(detail)"
        case .rateLimited(let retryAt):
            let when = retryAt.map { " until \(Self.iso8601($0))" } ?? ""
            return "forge: \(action): rate limited\(when): \(detail)"
        case .serverError(let status):
            return "forge: \(action): GitHub answered \(status) on every attempt: \(detail)"
        case .network:
            return "forge: \(action): no response from the forge: \(detail)"
        case .unexpectedStatus(let status):
            return "forge: \(action): GitHub answered \(status): \(detail)"
        case .invalidResponse:
            return "forge: \(action): unexpected response: \(detail)"
        case .invalidConfiguration:
            return "forge: \(action): \(detail)"
        }
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}
