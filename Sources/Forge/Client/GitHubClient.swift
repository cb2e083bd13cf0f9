import Foundation
import HTTPClient
import HTTPTypes
public import SlipwayCore
import Synchronization

/// A blocking client for the GitHub REST API (libcurl through `HTTPClient`), bound to one
/// repository.
///
/// Every call sends `Accept: application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`,
/// `User-Agent: slipway/<version>` and `Authorization: Bearer <token>`; retries 5xx and network
/// errors with exponential backoff and jitter and waits out rate limits as GitHub says, bounded by
/// `RetryPolicy`; turns 401, 403 and 404 into a `ForgeError` naming the repository, the operation
/// and the permission the credentials likely lack, reported once through `reporter`.
///
/// Thread-safe: calls may run from several threads at once (each request uses its own libcurl
/// handle; the App token cache is locked). Calls block: run them on threads we own (the update
/// queue's worker, a job worker), never on the cooperative pool. No token, JWT or key ever appears
/// in an error or a log line.
public final class GitHubClient: Sendable {
    /// Where and how to reach the forge. A plain value.
    public struct Configuration: Sendable {
        /// `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
        public var apiBaseURL: String
        public var repository: ForgeRepository
        /// Sent as `User-Agent` (GitHub refuses requests without one).
        public var userAgent: String
        public var retry: RetryPolicy
        /// Seconds allowed for one request, and for establishing its connection.
        public var requestTimeout: Double
        public var connectTimeout: Double
        /// `per_page` for list calls (GitHub allows at most 100) and the most pages followed.
        public var pageSize: Int
        public var maxPages: Int
        /// An installation token is renewed when it has less than this many seconds left
        /// (GitHub's tokens live one hour).
        public var tokenRefreshMargin: Double

        public static let defaultAPIBaseURL = "https://api.github.com"

        public init(apiBaseURL: String = Self.defaultAPIBaseURL, repository: ForgeRepository, version: String = "dev",
                    retry: RetryPolicy = RetryPolicy(), requestTimeout: Double = 30, connectTimeout: Double = 10,
                    pageSize: Int = 100, maxPages: Int = 100, tokenRefreshMargin: Double = 300) {
            var base = apiBaseURL
            while base.hasSuffix("/") { base.removeLast() }
            self.apiBaseURL = base
            self.repository = repository
            self.userAgent = "slipway/\(version)"
            self.retry = retry
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
            self.pageSize = min(100, max(1, pageSize))
            self.maxPages = max(1, maxPages)
            self.tokenRefreshMargin = tokenRefreshMargin
        }
    }

    public let configuration: Configuration
    /// Receives every configuration error (401/403/404) and logs each operation's first one.
    public let reporter: ForgeErrorReporter
    /// Requests by outcome and the last rate limit reported (for `/metrics`).
    public let statistics = ForgeRequestStatistics()
    let credentials: ForgeCredentials
    let http: HTTPClient
    let clock: any ForgeClock
    let random: @Sendable () -> Double
    let logger: Logger
    /// Every secret this client has held (the token, installation tokens, JWTs): removed from any
    /// text that came back from the forge before it is put into an error or a log line.
    let secrets: Mutex<Redactor>
    /// The cached installation token (App credentials only).
    let installation = Mutex<InstallationToken?>(nil)
    /// Serialises installation token refreshes, so concurrent callers mint one token.
    let refreshing = Mutex<Void>(())
    /// The login the credentials act as (`botLogin()`), learned once: one value, never a map.
    let identity = Mutex<String?>(nil)

    struct InstallationToken: Sendable {
        var token: String
        var expiresAt: Date
    }

    /// Fails with `.invalidConfiguration` when the base URL is not `http(s)://`.
    public init(configuration: Configuration, credentials: ForgeCredentials, logger: Logger = .discarding,
                reporter: ForgeErrorReporter? = nil, clock: any ForgeClock = SystemForgeClock(),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) throws(ForgeError) {
        let lowered = configuration.apiBaseURL.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://"), URL(string: configuration.apiBaseURL)?.host != nil else {
            throw ForgeError(kind: .invalidConfiguration, repository: configuration.repository, operation: .listPullRequests,
                             detail: "the forge URL \(configuration.apiBaseURL) is not an http(s) URL")
        }
        self.configuration = configuration
        self.credentials = credentials
        self.http = HTTPClient(followRedirects: false, userAgent: configuration.userAgent)
        self.clock = clock
        self.random = random
        var redactor = logger.redactor
        if case .token(let token) = credentials { redactor.add(token) }
        self.secrets = Mutex(redactor)
        var logger = logger.with(["forge.repo": configuration.repository.description])
        logger.redactor = redactor
        self.logger = logger
        self.reporter = reporter ?? ForgeErrorReporter(logger: logger)
    }

    public var repository: ForgeRepository { configuration.repository }

    /// `/repos/OWNER/NAME`.
    var repoPath: String { "/repos/\(repository.owner)/\(repository.name)" }

    func redact(_ text: String) -> String {
        secrets.withLock { $0.redact(text) }
    }

    func remember(secret: String) {
        secrets.withLock { $0.add(secret) }
    }
}
