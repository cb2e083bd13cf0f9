/// The core REST rate limit as `rate-limit/get` reports it (`resources.core`).
public struct GitHubRateLimit: Sendable, Equatable, Decodable {
    public var limit: Int
    public var remaining: Int
    /// When the window resets, in epoch seconds.
    public var reset: Int
    public var used: Int

    public init(limit: Int, remaining: Int, reset: Int, used: Int) {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
        self.used = used
    }

    /// `remaining / limit` (1 when the limit is 0: nothing to run out of).
    public var fractionLeft: Double {
        limit > 0 ? Double(remaining) / Double(limit) : 1
    }
}

/// `rate-limit-overview`: only the core resource is read.
struct GitHubRateLimitOverview: Decodable {
    struct Resources: Decodable {
        var core: GitHubRateLimit
    }

    var resources: Resources
}
