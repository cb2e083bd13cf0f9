import Foundation
import Synchronization

/// What an operator watches of the forge: requests by outcome (every attempt, retries included)
/// and the rate limit GitHub reported last. Bounded: a fixed set of outcomes. Thread-safe.
public final class ForgeRequestStatistics: Sendable {
    /// How one request (one attempt) ended.
    public enum Outcome: String, Sendable, CaseIterable {
        case success
        /// 5xx.
        case serverError = "server_error"
        /// No response (connection refused, timeout, TLS).
        case network
        /// 403 or 429 that is a rate limit.
        case rateLimited = "rate_limited"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        /// Any other status (422, a 3xx that was not followed, ...).
        case otherStatus = "other_status"
    }

    /// A copy of the figures.
    public struct Snapshot: Sendable, Equatable {
        public var requests: [Outcome: Int]
        /// `X-RateLimit-Remaining` of the last response that had one.
        public var rateLimitRemaining: Int?
        /// `X-RateLimit-Limit` of the same response.
        public var rateLimitLimit: Int?
    }

    private let state = Mutex(Snapshot(requests: [:], rateLimitRemaining: nil, rateLimitLimit: nil))

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func record(_ outcome: Outcome, rateLimitRemaining: Int? = nil, rateLimitLimit: Int? = nil) {
        state.withLock { state in
            state.requests[outcome, default: 0] += 1
            if let rateLimitRemaining {
                state.rateLimitRemaining = rateLimitRemaining
                state.rateLimitLimit = rateLimitLimit ?? state.rateLimitLimit
            }
        }
    }
}
