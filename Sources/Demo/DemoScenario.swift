import Crypto
public import FakeGitHub
public import Forge
public import Foundation
import Git
import HTTPClient
import HTTPTypes
public import Server
public import SlipwayCore
public import Store
public import Data
public import Docker
public import Docs
import Runner

/// The full loop on the embedded default, driven step by step: a local bare repository from the
/// example app, the bot (SQLite store, process driver) with real HTTP webhooks signed with its
/// secret, and the fake GitHub standing in for the forge. Used by `slipway-demo` (which prints
/// each step) and by the end-to-end tests (which assert on it).
public final class DemoScenario: @unchecked Sendable {
    public let directory: String
    public let repository: ExampleRepository
    public let forge: FakeGitHub
    public let bot: BotApplication
    public let payloads = WebhookPayloads(owner: "demo", name: "app")
    let secret: String
    /// The file holding the test payments key the demo grants to previews and staging.
    public let paymentsKeyFile: String
    /// How builds and apps are confined in this run, for people.
    public let isolationNote: String
    /// The database server, production and first snapshot, when the run has data.
    public let database: DemoDatabase?
    public let snapshot: SnapshotRecord?
    let client = HTTPClient()
    private var deliveries = 0

    /// - Parameters:
    ///   - exampleDirectory: the example app (`examples/app` in the Slipway checkout).
    ///   - directory: where the repository, the bot's work dir and the logs go.
    ///   - store: where the bot keeps its state (SQLite in the work dir by default).
    ///   - forgeClock: the forge client's time (simulated in tests: a forge outage of an hour
    ///     without waiting an hour); the wall clock by default.
    ///   - docker: the Docker Engine API for `deploy.driver: container` (none by default: the
    ///     demo needs no Docker).
    ///   - docsPublish: how the bot publishes the LLM docs (`docs.publish`).
    ///   - prepareForge: runs once the fake GitHub listens, before the bot starts (protect a
    ///     branch, follow the repository's branches).
    public init(exampleDirectory: String, directory: String, logger: Logger, reconcileInterval: TimeInterval = 3600,
                store: StoreLocation? = nil, extraGrants: [Grant] = [], forgeClock: (any ForgeClock)? = nil,
                withDatabases: Bool = false, initialSnapshot: Bool = true, apiToken: String? = nil, docker: DockerHost? = nil,
                router: RouterSettings? = nil, docsPublish: DocsPublishMode = .auto,
                prepare: ((ExampleRepository) throws -> Void)? = nil,
                prepareForge: ((FakeGitHub, ExampleRepository) throws -> Void)? = nil) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        repository = try ExampleRepository(exampleDirectory: exampleDirectory, path: directory + "/app.git", withDatabases: withDatabases)
        try prepare?(repository)
        let token = "demo-token-" + UUID().uuidString.prefix(12).lowercased()
        forge = FakeGitHub(owner: payloads.owner, repo: payloads.name, token: token)
        try forge.start()
        try prepareForge?(forge, repository)
        secret = "demo-secret-" + UUID().uuidString.lowercased()
        var configuration = BotConfiguration(
            repo: repository.path, listenHost: "127.0.0.1", listenPort: 0, webhookSecret: Array(secret.utf8),
            store: store ?? .sqlite(path: directory + "/bot/state.db", synchronousFull: false), workDir: directory + "/bot",
            reconcileInterval: reconcileInterval)
        configuration.forge = ForgeSettings(apiBaseURL: forge.baseURL, repository: ForgeRepository(payloads.fullName), credentials: .token(token))
        if let forgeClock { configuration.forge.clock = forgeClock }
        // The operator grants a (fake) test payments key to previews and staging; the example's
        // specs name the grant, never where the key lives.
        paymentsKeyFile = directory + "/payments-test.key"
        try ("sk_test_demo_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() + "\n")
            .write(toFile: paymentsKeyFile, atomically: true, encoding: .utf8)
        configuration.grants = GrantTable([Grant(name: "payments-test", source: .file(paymentsKeyFile), environments: ["preview", "staging"])]
                                          + extraGrants)
        configuration.runnerWorkers = 2
        if let apiToken {
            let file = directory + "/api-token"
            guard FileManager.default.createFile(atPath: file, contents: Data(apiToken.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw DemoError("cannot write \(file)")
            }
            configuration.apiTokenFile = file
        }
        configuration.docker = docker
        if let router { configuration.router = router }
        configuration.docsPublish = docsPublish
        // The demo runs the example app, which it wrote itself: sandboxed where the host allows it
        // (root and bubblewrap); otherwise unconfined, explicitly, and it says so.
        let capability = Isolation.probe()
        configuration.isolation = capability.available ? .sandbox : .none
        // A uid range of its own, so demos and tests running side by side never share a uid.
        configuration.isolationUIDs = (1_000_000 + UInt32.random(in: 0..<50_000) * 100, 100)
        isolationNote = capability.available
            ? "sandboxed: each environment runs as its own uid in its own namespaces"
            : "unconfined (--isolation none), because this host cannot isolate: \(capability.reason)"
        // With data: a throwaway PostgreSQL server, a "production" to copy, and its first
        // sanitized snapshot before staging's first deploy needs one.
        if withDatabases {
            let database = try DemoDatabase(directory: directory)
            do {
                configuration.data = database.settings
                snapshot = initialSnapshot
                    ? try database.makeSnapshot(repository: repository.path, workDir: directory + "/bot", grants: configuration.grants)
                    : nil
            } catch {
                database.stop()
                throw error
            }
            self.database = database
        } else {
            database = nil
            snapshot = nil
        }
        do {
            bot = try BotApplication.build(configuration: configuration, logger: logger)
            try bot.start()
        } catch {
            database?.stop()
            throw error
        }
    }

    public var store: any Store { bot.store }

    /// Sends a signed delivery to the bot over HTTP; returns the HTTP status.
    @discardableResult
    public func deliver(event: String, _ body: Data) throws -> Int {
        deliveries += 1
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("User-Agent", "GitHub-Hookshot/demo")
        headers.add("X-GitHub-Event", event)
        headers.add("X-GitHub-Delivery", "demo-\(deliveries)-\(UUID().uuidString.prefix(8))")
        headers.add("X-Hub-Signature-256", WebhookSignature.sign(body: body, secret: secret))
        let url = "http://127.0.0.1:\(bot.port)\(bot.configuration.webhookPath)"
        return try client.send(HTTPClientRequest(method: "POST", url: url, headers: headers, body: body)).status
    }

    /// Sends a signed delivery with a chosen delivery id (a redelivery keeps its id).
    public func deliverWithID(_ id: String, event: String, _ body: Data) throws -> Int {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("X-GitHub-Event", event)
        headers.add("X-GitHub-Delivery", id)
        headers.add("X-Hub-Signature-256", WebhookSignature.sign(body: body, secret: secret))
        let url = "http://127.0.0.1:\(bot.port)\(bot.configuration.webhookPath)"
        return try client.send(HTTPClientRequest(method: "POST", url: url, headers: headers, body: body)).status
    }

    /// Sends a signed delivery under a fresh id and waits until the bot has processed it and the
    /// reconcile it asked for has run. Returns the HTTP status and whether that reconcile ran.
    @discardableResult
    public func deliverAndWait(event: String, _ body: Data, timeout: TimeInterval = 60) throws -> (status: Int, reconciled: Bool) {
        let id = "wait-\(UUID().uuidString.prefix(12))"
        let status = try deliverWithID(id, event: event, body)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try store.delivery(id: id)?.status.isFinal == true {
                return (status, bot.waitUntilReconciled(timeout: max(1, deadline.timeIntervalSinceNow)))
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw DemoError("timed out waiting for delivery \(id) to be processed")
    }

    /// Opens PR `number` from `branch` with one change (a commit, its ref, the forge's record, the webhook).
    public func openPullRequest(_ number: Int, branch: String, greeting: String) throws -> String {
        let head = try repository.commit(branch, ["app/index.html": Self.page(greeting)], message: "Say \(greeting)")
        try repository.setPullHead(number, head)
        forge.addPullRequest(number: number, headSHA: head, headRef: branch)
        try expectAccepted(deliver(event: "pull_request", payloads.pullRequest(action: "opened", number: number, headSHA: head, headRef: branch)))
        return head
    }

    /// Pushes another commit to the PR's branch (a `synchronize` delivery).
    public func pushToPullRequest(_ number: Int, branch: String, greeting: String) throws -> String {
        let head = try repository.commit(branch, ["app/index.html": Self.page(greeting)], message: "Say \(greeting)")
        try repository.setPullHead(number, head)
        forge.addPullRequest(number: number, headSHA: head, headRef: branch)
        try expectAccepted(deliver(event: "pull_request", payloads.pullRequest(action: "synchronize", number: number, headSHA: head, headRef: branch)))
        return head
    }

    /// Merges the PR (fast-forward of main), closes it, and sends `closed` and the `push` to main.
    public func mergePullRequest(_ number: Int, branch: String) throws -> String {
        let before = try repository.head("main")
        let head = try repository.merge(branch)
        forge.addPullRequest(number: number, headSHA: head, headRef: branch, state: "closed")
        try expectAccepted(deliver(event: "pull_request", payloads.pullRequest(action: "closed", number: number, headSHA: head, headRef: branch,
                                                                            merged: true, closed: true)))
        try expectAccepted(deliver(event: "push", payloads.push(branch: "main", before: before, after: head)))
        return head
    }

    public func expectAccepted(_ status: Int) throws {
        guard status == 202 || status == 200 else { throw DemoError("the bot answered \(status) to a signed delivery") }
    }

    /// Waits until `environment` is in `status` at `sha` (any sha when nil); throws after `timeout`.
    @discardableResult
    public func waitFor(_ environment: String, _ status: EnvironmentStatus, sha: String? = nil, timeout: TimeInterval = 180,
                        progress: ((String) -> Void)? = nil) throws -> EnvironmentRecord {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            if let env = try store.environment(named: environment) {
                let line = "\(env.name): \(env.status.rawValue) at \(env.sha.prefix(7))"
                if line != last { progress?(line); last = line }
                let atSHA = sha.map { isSameCode(env.sha, as: $0) } ?? true
                if env.status == status && atSHA { return env }
                if env.status == .failed && status != .failed && atSHA {
                    throw DemoError("\(environment) failed: \(env.lastError ?? "see `slipway env logs \(environment)`")")
                }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw DemoError("timed out after \(Int(timeout)) s waiting for \(environment) to be \(status.rawValue)")
    }

    /// Whether `candidate` is `sha`, or the bot's own commits (its docs) on top of it: the same
    /// code. The bot commits `docs/llm/` on main after every staging deploy, and when that commit
    /// lands on top of a push before staging picks the push up, staging deploys the bot's commit.
    public func isSameCode(_ candidate: String, as sha: String) -> Bool {
        guard candidate != sha else { return true }
        var cursor = ObjectID(hex: candidate)
        for _ in 0..<8 {
            guard let id = cursor, let info = try? repository.repository.commit(id), info.author.name == bot.configuration.botName,
                  let parent = info.parents.first else { return false }
            if parent.hex == sha { return true }
            cursor = parent
        }
        return false
    }

    /// GETs `url` and returns the status and body.
    public func fetch(_ url: String) throws -> (Int, String) {
        let response = try client.send(HTTPClientRequest(method: "GET", url: url, timeout: 10))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// The sticky comment on `pr` as the fake GitHub holds it (nil until posted).
    public func comment(on pr: Int) -> String? {
        forge.comments(onIssue: pr).first { $0.body.contains(PRCommentRenderer.marker) }?.body
    }

    /// Waits until the PR's sticky comment satisfies `check`.
    public func waitForComment(on pr: Int, timeout: TimeInterval = 30, _ check: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let body = comment(on: pr), check(body) { return body }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw DemoError("timed out waiting for the comment on PR #\(pr); it is: \(comment(on: pr) ?? "(none)")")
    }

    /// Waits until the bot committed `docs/llm/` on main; returns that commit.
    public func waitForDocsCommit(timeout: TimeInterval = 60) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            // The newest commit on main by the bot (docs change only when a byte would change).
            var cursor = try? repository.repository.resolve("refs/heads/main")
            var steps = 0
            while let id = cursor, steps < 100, let info = try? repository.repository.commit(id) {
                if info.author.name == bot.configuration.botName,
                   (try? repository.repository.blob(at: "docs/llm/overview.md", commit: id)) != nil {
                    return id.hex
                }
                cursor = info.parents.first
                steps += 1
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw DemoError("timed out waiting for the bot's docs commit on main")
    }

    /// Tells the fake GitHub where every branch of the repository is (GitHub knows; the fake
    /// only knows what it is told): open pull requests from a branch follow it, and a pull
    /// request whose base now contains its head is closed as merged.
    public func syncForgeBranches() throws {
        for reference in try repository.repository.references(glob: "refs/heads/*") {
            forge.setBranch(String(reference.name.dropFirst("refs/heads/".count)), sha: reference.target.hex)
        }
    }

    /// Reconciles now (as the periodic tick would), with the fake GitHub's branches current.
    public func tick() throws {
        try syncForgeBranches()
        _ = try bot.reconciler?.reconcile(trigger: "demo")
    }

    /// Waits for the promotion pull request the bot keeps open from `head` into `base`.
    public func waitForPromotionPullRequest(base: String = "production", head: String = "main", timeout: TimeInterval = 60) throws -> FakeGitHub.PullRequest {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            try tick()
            if let pr = forge.pullRequests.first(where: { $0.baseRef == base && $0.headRef == head && $0.state == "open" && $0.headRepository == nil }) { return pr }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw DemoError("timed out waiting for the promotion pull request into \(base)")
    }

    /// `login` adds the promotion label (GitHub sends the `labeled` webhook); waits until the
    /// bot has fast-forwarded `branch` to the pull request's head. Returns that head.
    @discardableResult
    public func approvePromotion(_ pr: FakeGitHub.PullRequest, by login: String, label: String = "promote", branch: String = "production",
                                 timeout: TimeInterval = 60) throws -> String {
        forge.addLabel(issue: pr.number, label, by: login)
        let current = forge.pullRequest(pr.number) ?? pr
        try expectAccepted(deliver(event: "pull_request", payloads.pullRequest(
            action: "labeled", number: pr.number, headSHA: current.headSHA, headRef: current.headRef, sender: login, author: current.author,
            labels: [label], label: label, baseRef: current.baseRef)))
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            try tick()
            if (try? repository.head(branch)) == current.headSHA { return current.headSHA }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw DemoError("timed out waiting for the approved promotion to move \(branch)")
    }

    /// Stops the bot, the apps it runs and the fake forge.
    public func shutdown() {
        bot.runner?.stopApplications()
        bot.stop()
        forge.stop()
        // Whatever still runs from an environment's checkout (an app a stopped runner no longer
        // supervised) is stopped too: the demo leaves nothing behind.
        ProcessSweep.stopAll(under: directory + "/bot/envs")
        database?.stop()
    }

    public static func page(_ greeting: String) -> String {
        "<!doctype html>\n<title>Example app</title>\n<h1>\(greeting)</h1>\n<p>Environment @ENV@, built from @SHA@.</p>\n<p>Payments: @PAYMENTS@.</p>\n"
    }
}
