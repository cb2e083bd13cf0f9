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
/// For promotion it also keeps branches (`setBranch`: the SHA a branch points at, which moves the
/// head of open pull requests from it and marks merged those whose head the base reached),
/// creates and updates pull requests (numbers shared with issues; `head=OWNER:BRANCH` and `base`
/// filters; 422 for an unknown branch or a second open pull request for the same branches),
/// reviews (`addReview`), labels with who added them (`labeledBy`), the combined status computed
/// from the statuses it holds (GitHub's rules: `pending` when there are none), check runs
/// (`setCheckRun`), deployments and their statuses (`deployments(environment:)`,
/// `deploymentStatuses(id:)`; `auto_inactive` as GitHub does it; 409 when `required_contexts`
/// fail) and commit comments (`commitComments(sha:)`).
///
/// For diagnostics it answers `GET /rate_limit` (`setRateLimit`), lists a repository hook's
/// deliveries newest first with cursor pagination (`addHookDelivery`: guid, status code,
/// redelivery flag) and records redeliveries (`redeliveries`, `redeliveredGUIDs(hookID:)`; each
/// appears in the list as a new attempt ending with `setRedeliveryStatusCode`'s code), and `GET
/// /app` lists the App's permissions (`setAppPermissions`).
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
        var branches: [String: String] = [:]
        /// Branches a protection rule applies to (`setProtected`).
        var protectedBranches: Set<String> = []
        /// Where branches not set with `setBranch` are looked up (`followBranches`).
        var branchLookup: (@Sendable (String) -> String?)?
        var reviews: [Review] = []
        /// Per issue, per label: the login that added it through the API or `addLabel`.
        var labelActors: [Int: [String: String]] = [:]
        var checkRuns: [CheckRun] = []
        var deployments: [Deployment] = []
        /// Oldest first.
        var deploymentStatuses: [DeploymentStatus] = []
        var commitComments: [CommitComment] = []
        /// Repository webhooks by id (`addHook`), with their deliveries, newest last.
        var hooks: [Int: [HookDelivery]] = [:]
        /// Every redelivery asked for (`POST .../attempts`), in order.
        var redeliveries: [Redelivery] = []
        /// The status code a redelivery the fake is asked for ends with (GitHub re-sends the
        /// payload to the hook's URL; the fake only records it).
        var redeliveryStatusCode = 200
        /// `GET /rate_limit`'s core figures.
        var rateLimit = RateLimit(limit: 5000, remaining: 4990, reset: 1_767_229_200)
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

    /// Points `branch` at `sha`, as a push does: open pull requests from `branch` (of this
    /// repository) get `sha` as their head, and open pull requests into `branch` whose head is
    /// `sha` are closed as merged (GitHub's behaviour when the base is fast-forwarded to the head).
    public func setBranch(_ branch: String, sha: String) {
        state.withLock { state in
            state.branches[branch] = sha
            state.clock = state.clock.addingTimeInterval(1)
            for (number, pull) in state.pulls where pull.state == "open" {
                var updated = pull
                if pull.headRef == branch, pull.headRepository == nil { updated.headSHA = sha }
                // Merged: the base now is the head (whichever of the two was told last).
                if state.branches[pull.baseRef] == updated.headSHA, pull.baseRef == branch || (pull.headRef == branch && pull.headRepository == nil) {
                    updated.state = "closed"
                    updated.mergedAt = state.clock
                }
                state.pulls[number] = updated
            }
        }
    }

    /// Marks `branch` protected (or not): `GET branches/{branch}` says so in `protected`. Pushes
    /// go to the git remote, not here: a test that wants them refused refuses them there.
    public func setProtected(_ branch: String, _ protected: Bool = true) {
        state.withLock { state in
            if protected { state.protectedBranches.insert(branch) } else { state.protectedBranches.remove(branch) }
        }
    }

    /// Branches not set with `setBranch` are looked up with `lookup` (e.g. in the test's git
    /// remote), as GitHub knows every pushed branch: a pull request may then be opened from a
    /// branch the code under test pushed itself. `setBranch` values still win.
    public func followBranches(_ lookup: @escaping @Sendable (String) -> String?) {
        state.withLock { $0.branchLookup = lookup }
    }

    /// The SHA `branch` points at (`setBranch`), or nil.
    public func branch(_ branch: String) -> String? {
        state.withLock { $0.branches[branch] }
    }

    /// Adds a review of pull request `pr` by `login` (`APPROVED`, `CHANGES_REQUESTED`,
    /// `COMMENTED`, `DISMISSED`) given at head `commitID`; returns its id.
    @discardableResult
    public func addReview(pr: Int, login: String, state reviewState: String, commitID: String) -> Int {
        state.withLock { state in
            state.nextID += 1
            state.clock = state.clock.addingTimeInterval(1)
            state.reviews.append(Review(id: state.nextID, pullRequest: pr, login: login, state: reviewState, commitID: commitID,
                                        submittedAt: state.clock))
            return state.nextID
        }
    }

    /// Adds `label` to issue or pull request `issue` as `login` did (as the labeled webhook's
    /// sender would say); `labeledBy` answers it afterwards.
    public func addLabel(issue: Int, _ label: String, by login: String) {
        state.withLock { $0.addLabels(issue: issue, [label], login: login) }
    }

    /// Who added `label` to `issue` (through the API or `addLabel`), or nil (seeded, or not there).
    public func labeledBy(issue: Int, label: String) -> String? {
        state.withLock { $0.labelActors[issue]?[label] }
    }

    /// Records a run of check `name` on `sha` (a newer run of the same name replaces the older
    /// one in `filter=latest` answers, as a re-run does on GitHub); returns its id.
    @discardableResult
    public func setCheckRun(sha: String, name: String, status: String, conclusion: String? = nil) -> Int {
        state.withLock { state in
            state.nextID += 1
            state.checkRuns.append(CheckRun(id: state.nextID, sha: sha, name: name, status: status, conclusion: conclusion))
            return state.nextID
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

    // MARK: Webhooks and rate limit

    /// A repository webhook `id` with no deliveries yet (listing an unknown hook is a 404).
    public func addHook(_ id: Int) {
        state.withLock { state in if state.hooks[id] == nil { state.hooks[id] = [] } }
    }

    /// Records a delivery of hook `hookID` (created if needed): `guid` is the `X-GitHub-Delivery`
    /// id, `statusCode` what the bot answered (0 or a 5xx when it could not be reached).
    /// Returns the delivery's id (the one a redelivery names).
    @discardableResult
    public func addHookDelivery(hookID: Int, guid: String, statusCode: Int, event: String = "push", action: String? = nil,
                                redelivery: Bool = false, deliveredAt: Date? = nil, installationID: Int? = nil) -> Int {
        state.withLock { state in
            state.nextID += 1
            let status = (200..<300).contains(statusCode) ? "OK" : statusCode == 0 ? "failed to connect" : "Invalid HTTP Response: \(statusCode)"
            let delivery = HookDelivery(id: state.nextID, guid: guid, deliveredAt: deliveredAt ?? now(), redelivery: redelivery,
                                        statusCode: statusCode, status: status, event: event, action: action, installationID: installationID)
            state.hooks[hookID, default: []].append(delivery)
            return delivery.id
        }
    }

    /// Where the App's webhook keeps its deliveries among the hooks (GitHub's hook ids are
    /// positive): `hookDeliveries(hookID: FakeGitHub.appHookID)` and
    /// `redeliveredGUIDs(hookID: FakeGitHub.appHookID)` read them.
    public static let appHookID = 0

    /// Records a delivery of the GitHub App's webhook (`/app/hook/deliveries`), sent for
    /// installation `installationID`. Returns the delivery's id.
    @discardableResult
    public func addAppHookDelivery(guid: String, statusCode: Int, installationID: Int, event: String = "push", action: String? = nil,
                                   deliveredAt: Date? = nil) -> Int {
        addHookDelivery(hookID: Self.appHookID, guid: guid, statusCode: statusCode, event: event, action: action, deliveredAt: deliveredAt,
                        installationID: installationID)
    }

    /// The deliveries of hook `hookID`, oldest first (redeliveries the bot asked for included).
    public func hookDeliveries(hookID: Int) -> [HookDelivery] {
        state.withLock { $0.hooks[hookID] ?? [] }
    }

    /// Every redelivery asked for, in order.
    public var redeliveries: [Redelivery] { state.withLock { $0.redeliveries } }

    /// The `guid`s of the deliveries of `hookID` the fake was asked to redeliver, in order.
    public func redeliveredGUIDs(hookID: Int) -> [String] {
        state.withLock { $0.redeliveries.filter { $0.hookID == hookID }.map(\.guid) }
    }

    /// The status code the redeliveries asked for from now on end with (200 by default; a 5xx
    /// keeps them failed, as when the bot is still down).
    public func setRedeliveryStatusCode(_ statusCode: Int) {
        state.withLock { $0.redeliveryStatusCode = statusCode }
    }

    /// What `GET /rate_limit` answers for the core resource.
    public func setRateLimit(limit: Int, remaining: Int, reset: Int = 1_767_229_200) {
        state.withLock { $0.rateLimit = RateLimit(limit: limit, remaining: remaining, reset: reset) }
    }

    /// The permissions `GET /app` says App `appID` has (e.g. `["contents": "read"]`).
    public func setAppPermissions(appID: String, _ permissions: [String: String]) {
        state.withLock { state in
            for index in state.apps.indices where state.apps[index].appID == appID { state.apps[index].permissions = permissions }
        }
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

    /// The pull request `number`, or nil.
    public func pullRequest(_ number: Int) -> PullRequest? {
        state.withLock { $0.pulls[number] }
    }

    /// Every pull request, lowest number first.
    public var pullRequests: [PullRequest] {
        state.withLock { $0.pulls.values.sorted { $0.number < $1.number } }
    }

    /// The deployments (to `environment`, when given), oldest first.
    public func deployments(environment: String? = nil) -> [Deployment] {
        state.withLock { $0.deployments.filter { environment == nil || $0.environment == environment } }
    }

    /// The statuses of deployment `id`, oldest first (the API lists them newest first).
    public func deploymentStatuses(id: Int) -> [DeploymentStatus] {
        state.withLock { $0.deploymentStatuses.filter { $0.deploymentID == id } }
    }

    /// The comments on commit `sha`, oldest first.
    public func commitComments(sha: String) -> [CommitComment] {
        state.withLock { $0.commitComments.filter { $0.sha == sha } }
    }

    /// The installation tokens minted so far.
    public var mintedTokens: [String] { state.withLock { $0.mintedTokens } }
}

extension FakeGitHub.State {
    /// The next number for a new pull request: issues and pull requests share one sequence.
    var nextIssueNumber: Int {
        max(pulls.keys.max() ?? 0, labels.keys.max() ?? 0, comments.values.map(\.issue).max() ?? 0) + 1
    }

    mutating func addLabels(issue: Int, _ names: [String], login: String?) {
        var current = labels[issue] ?? []
        for name in names where !current.contains(name) {
            current.append(name)
            if let login { labelActors[issue, default: [:]][name] = login }
        }
        labels[issue] = current
    }

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
