/// How a `GitHubClient` retries one call: 5xx and network errors with exponential backoff and
/// jitter, rate limits by waiting as GitHub says, all bounded in attempts and total time.
/// A plain value: safe to share.
public struct RetryPolicy: Sendable, Equatable {
    /// The most attempts per call (the first one included).
    public var maxAttempts: Int
    /// The backoff before the second attempt; it doubles for each further attempt.
    public var baseDelay: Double
    /// The longest single backoff.
    public var maxDelay: Double
    /// The share of each backoff that is random: 0.5 waits between 50 % and 100 % of the
    /// exponential delay ("equal jitter"), so replicas do not retry in lockstep.
    public var jitter: Double
    /// The longest wait for a rate limit (`Retry-After`, `X-RateLimit-Reset`) the client accepts;
    /// a longer one fails the call with `ForgeError.Kind.rateLimited(retryAt:)` so the update
    /// queue can retry later without holding a thread.
    public var maxRateLimitWait: Double
    /// The most time spent waiting between attempts, over the whole call.
    public var maxTotalWait: Double

    public init(maxAttempts: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 8, jitter: Double = 0.5,
                maxRateLimitWait: Double = 60, maxTotalWait: Double = 90) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = min(1, max(0, jitter))
        self.maxRateLimitWait = maxRateLimitWait
        self.maxTotalWait = maxTotalWait
    }

    /// The backoff after failed attempt number `attempt` (1-based), with `random` in [0, 1).
    public func backoff(afterAttempt attempt: Int, random: Double) -> Double {
        let exponent = min(attempt - 1, 30)
        let full = min(maxDelay, baseDelay * Double(1 << exponent))
        return full * (1 - jitter) + full * jitter * random
    }
}
