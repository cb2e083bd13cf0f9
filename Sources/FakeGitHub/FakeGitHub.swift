public import Foundation
import HTTPServer
import HTTPTypes
import Synchronization

/// An in-process fake of the GitHub REST API for one repository, over real HTTP on loopback
/// (our `HTTPServer`, port 0), for tests and the end-to-end demo.
///
/// It keeps pull requests, issue comments, commit statuses, labels and collaborator permissions in
/// memory; paginates lists like GitHub (`per_page` default 30, max 100, `page`, `Link` with
/// `rel="next"`, `"prev"`, `"first"`, `"last"`); records every request (method, path, query,
/// headers, body); requires `Authorization: Bearer <token>` (or `token <token>`) with a known token
/// (401 otherwise) and refuses scopes per token (403 or 404, as GitHub does); verifies GitHub App
/// JWTs (RS256, `iat`/`exp`/`iss`) and mints expiring installation tokens; answers `GET /user`
/// (the token's login; 403 for installation tokens, as GitHub does) and `GET /app` (the App's
/// slug); records each comment's author (the token's login, or any login a test plants with
/// `addComment`); and can be told to fail the next requests (5xx, rate limits with
/// `X-RateLimit-Reset` or `Retry-After`, slow answers).
///
/// Thread-safe: the state is behind one lock; handlers run on the server's threads.
public final class FakeGitHub: Sendable {
    public let owner: String
    public let repo: String
    let server: HTTPServer
    let state = Mutex(State())
    /// The fake's time: installation token expiry and JWT `iat`/`exp` checks.
    let now: @Sendable () -> Date

    struct State {
        var grants: [String: Grant] = [:]
        var apps: [App] = []
        var mintedTokens: [String] = []
        var tokenObservers: [@Sendable (String) -> Void] = []
        var pulls: [Int: PullRequest] = [:]
        var comments: [Int: Comment] = [:]
        var statuses: [Status] = []
        var labels: [Int: [String]] = [:]
        var permissions: [String: String] = [:]
        var failures: [(failure: Failure, pathContains: String?)] = []
        var outage: (failure: Failure, pathContains: String?)?
        var requests: [RecordedRequest] = []
        var nextID = 1000
        /// Comment timestamps advance one second per write, so order is visible in dates too.
        var clock = Date(timeIntervalSince1970: 1_767_225_600)
    }

    /// A fake for `owner/repo` accepting `token` (acting as `login`), not yet listening. `now`
    /// is its clock (a test may share its own with the client, so token expiry agrees).
    public init(owner: String = "octo-org", repo: String = "shop", token: String? = "ghp_fake_token_0123456789abcdef",
                login: String = "slipway[bot]", workerThreads: Int = 8, now: @escaping @Sendable () -> Date = { Date() }) {
        self.owner = owner
        self.repo = repo
        self.now = now
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, workerThreads: workerThreads, shutdownTimeout: 5)
        configuration.connectionTimeout = 30
        let box = HandlerBox()
        server = HTTPServer(configuration: configuration) { request in box.handle(request) }
        box.fake.withLock { $0 = WeakFake(self) }
        if let token { addToken(token, login: login) }
    }

    /// Starts listening on 127.0.0.1 with a free port.
    public func start() throws {
        try server.start()
    }

    public func stop() {
        server.stop()
    }

    /// `http://127.0.0.1:<port>`: the API base URL to give the client.
    public var baseURL: String { "http://127.0.0.1:\(server.port)" }

    // MARK: Configuration

    /// Accepts `token`, acting as `login`; `denied` refuses scopes with 403 or 404.
    public func addToken(_ token: String, login: String = "slipway[bot]", denied: [Scope: Int] = [:]) {
        state.withLock { $0.grants[token] = Grant(login: login, denied: denied, expiresAt: nil) }
    }

    /// Installs a GitHub App whose JWTs (signed by the private key of `publicKeyPEM`) may mint
    /// installation tokens valid for `tokenLifetime` seconds, acting as `<slug>[bot]`.
    public func installApp(appID: String, publicKeyPEM: String, installationID: Int, tokenLifetime: Double = 3600,
                           slug: String = "slipway") {
        state.withLock {
            $0.apps.append(App(appID: appID, slug: slug, publicKeyPEM: publicKeyPEM, installationID: installationID, tokenLifetime: tokenLifetime))
        }
    }

    /// Calls `observe` with every installation token minted from now on, before the answer
    /// leaves (e.g. to let a test git server accept only the current token).
    public func onTokenMinted(_ observe: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.tokenObservers.append(observe) }
    }

    /// The next requests (whose path contains `pathContains`, when given) are answered with
    /// these failures, one each, in order.
    public func failNext(_ failures: [Failure], pathContains: String? = nil) {
        state.withLock { $0.failures += failures.map { ($0, pathContains) } }
    }

    /// Until cleared with nil, every request (whose path contains `pathContains`, when given)
    /// is answered with `failure`, after any queued `failNext` ones: the forge is down.
    public func setOutage(_ failure: Failure?, pathContains: String? = nil) {
        state.withLock { $0.outage = failure.map { ($0, pathContains) } }
    }

    // MARK: Seeding

    public func addPullRequest(number: Int, title: String = "A change", headSHA: String, headRef: String = "feature",
                               baseRef: String = "main", author: String = "alice", state prState: String = "open", labels: [String] = [],
                               headRepository: String? = nil) {
        state.withLock { state in
            state.pulls[number] = PullRequest(number: number, title: title, state: prState, headSHA: headSHA, headRef: headRef,
                                              baseRef: baseRef, author: author, headRepository: headRepository)
            state.labels[number] = labels
        }
    }

    /// Sets a user's permission (`admin`, `maintain`, `write`, `triage`, `read`, `none`).
    public func setPermission(_ login: String, _ permission: String) {
        state.withLock { $0.permissions[login] = permission }
    }

    /// Adds a comment as `login` (e.g. a human quoting the marker); returns its id.
    @discardableResult
    public func addComment(issue: Int, body: String, login: String = "alice") -> Int {
        state.withLock { state in state.addComment(issue: issue, body: body, login: login).id }
    }

    // MARK: Inspection

    /// Every request received so far, in order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    public func clearRequests() {
        state.withLock { $0.requests.removeAll() }
    }

    /// The comments on an issue, oldest first.
    public func comments(onIssue issue: Int) -> [Comment] {
        state.withLock { $0.comments.values.filter { $0.issue == issue }.sorted { $0.id < $1.id } }
    }

    /// The statuses set on `sha`, in order.
    public func statuses(sha: String) -> [Status] {
        state.withLock { $0.statuses.filter { $0.sha == sha } }
    }

    public func labels(onIssue issue: Int) -> [String] {
        state.withLock { $0.labels[issue] ?? [] }
    }

    /// The installation tokens minted so far.
    public var mintedTokens: [String] { state.withLock { $0.mintedTokens } }
}

extension FakeGitHub.State {
    mutating func addComment(issue: Int, body: String, login: String) -> FakeGitHub.Comment {
        nextID += 1
        clock = clock.addingTimeInterval(1)
        let comment = FakeGitHub.Comment(id: nextID, issue: issue, body: body, login: login, createdAt: clock, updatedAt: clock)
        comments[comment.id] = comment
        return comment
    }
}

/// Lets the server's handler reach the fake without a retain cycle (the fake owns the server).
private final class HandlerBox: Sendable {
    let fake = Mutex<WeakFake?>(nil)

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard let fake = fake.withLock({ $0?.value }) else { return HTTPResponse(status: 503, body: "stopped\n") }
        return fake.handle(request)
    }
}

private struct WeakFake: @unchecked Sendable {
    weak var value: FakeGitHub?
    init(_ value: FakeGitHub) { self.value = value }
}
