import Crypto
import FakeGitHub
import Forge
import HTTPServer
import HTTPTypes
import Router
import Foundation
import Runner
import Server
import SlipwayCore
import Store
import TestSupport
import Testing

/// A configuration, a store and a fake forge for one diagnostics run; every part can be made
/// to fail on its own.
final class DiagnosticsHarness: @unchecked Sendable {
    static let token = "ghp_diagnostics_token_0123456789abcdef"
    static let secret = "diagnostics-webhook-secret-7f3a"
    static let hookID = 4711

    let directory: TemporaryDirectory
    let fake: FakeGitHub
    let remote: GitFixture
    let store: SQLiteStore
    var configuration: BotConfiguration
    var thresholds = Diagnostics.Thresholds()
    /// 100 GiB free of 200 GiB unless a test says otherwise.
    var disk: @Sendable (String) throws -> DiskSpace = { _ in DiskSpace(availableBytes: 100 << 30, totalBytes: 200 << 30) }
    var isolation: @Sendable () -> IsolationCapability = { IsolationCapability(available: true, reason: "sandboxes work") }

    /// Everything right: a token with write, a hook whose deliveries all succeeded, plenty of
    /// rate limit, a repository that fetches, a fresh store.
    init(token: String = DiagnosticsHarness.token) throws {
        directory = try TemporaryDirectory(prefix: "slipway-diag")
        fake = FakeGitHub(token: Self.token, login: "slipway-bot")
        fake.setPermission("slipway-bot", "write")
        fake.addHookDelivery(hookID: Self.hookID, guid: "guid-ok-1", statusCode: 200, event: "push")
        fake.addHookDelivery(hookID: Self.hookID, guid: "guid-ok-2", statusCode: 202, event: "pull_request", action: "opened")
        try fake.start()
        remote = try GitFixture()
        try remote.commit("main", GitFixture.baseFiles, message: "base")
        let statePath = directory.child("state.db")
        store = try SQLiteStore(path: statePath)
        configuration = BotConfiguration(repo: remote.path, webhookSecret: Array(Self.secret.utf8),
                                         store: .sqlite(path: statePath, synchronousFull: false), workDir: directory.path)
        configuration.forge = ForgeSettings(apiBaseURL: fake.baseURL, repository: ForgeRepository("octo-org/shop"), credentials: .token(token))
        configuration.forgeHook = .repository(Self.hookID)
    }

    deinit { fake.stop() }

    func run(store: (any Store)? = nil, storeFailure: String? = nil) -> DiagnosticReport {
        let parts = Diagnostics.Parts(store: storeFailure == nil ? (store ?? self.store) : nil, storeFailure: storeFailure)
        return Diagnostics(configuration: configuration, parts: parts, redactor: Redactor(redactTokenShapes: true), thresholds: thresholds,
                           diskSpace: disk, isolationProbe: isolation).run()
    }

    /// Every check that did not pass, for failure messages.
    static func notPassing(_ report: DiagnosticReport) -> String {
        report.checks.filter { $0.status != .pass }.map { "\($0.name) \($0.status): \($0.reason)" }.joined(separator: "\n")
    }
}

@Suite("slipway diag: the checks")
struct DiagnosticsTests {
    @Test("with everything right every check passes, and the report says so with exit code 0")
    func everythingPasses() throws {
        let harness = try DiagnosticsHarness()
        let report = harness.run()
        #expect(report.status == .pass, "\(DiagnosticsHarness.notPassing(report))")
        #expect(report.exitCode == 0)
        for name in ["config.webhook-secret", "forge.reachable", "forge.credentials", "forge.permission", "forge.rate-limit", "forge.webhook",
                     "git.fetch", "git.push", "store.latency", "store.schema", "store.size", "store.backlog", "drivers.isolation",
                     "disk.work-dir", "environments"] {
            let check = try #require(report.check(name), "no check \(name)")
            #expect(check.status == .pass, "\(name): \(check.reason)")
            #expect(check.fix == nil)
            #expect(!check.reason.isEmpty && !check.reason.contains("\n"))
        }
        #expect(report.check("forge.credentials")?.reason.contains("slipway-bot") == true)
        #expect(report.check("store.schema")?.reason.contains("schema version \(StoreSchema.currentVersion)") == true)
    }

    @Test("a collaborator with read only fails forge.permission, and git.push fails for a remote repository")
    func readPermissionFails() throws {
        let harness = try DiagnosticsHarness()
        harness.fake.setPermission("slipway-bot", "read")
        // A remote nobody serves: fetch fails too.
        harness.configuration.repo = "http://127.0.0.1:9/octo-org/shop.git"
        let report = harness.run()
        let permission = try #require(report.check("forge.permission"))
        #expect(permission.status == .fail)
        #expect(permission.reason.contains("slipway-bot has read"))
        #expect(permission.fix?.contains("Write role") == true)
        #expect(report.check("git.push")?.status == .fail)
        let fetch = try #require(report.check("git.fetch"))
        #expect(fetch.status == .fail)
        #expect(fetch.reason.contains("127.0.0.1:9"))
        #expect(report.exitCode == 2)
        #expect(report.checks.first?.status == .fail, "failures come first")
    }

    @Test("a token that may not read metadata fails forge.permission naming the permission to grant")
    func deniedScopeFails() throws {
        let harness = try DiagnosticsHarness(token: "ghp_diagnostics_scoped_token_99887766")
        harness.fake.addToken("ghp_diagnostics_scoped_token_99887766", login: "slipway-bot", denied: [.metadata: 403])
        let report = harness.run()
        let permission = try #require(report.check("forge.permission"))
        #expect(permission.status == .fail)
        #expect(permission.fix?.contains("metadata: read") == true)
        #expect(report.check("git.push")?.status == .pass, "a local repository is checked by file permissions")
    }

    @Test("a bad token fails forge.credentials, skips what depends on it, and never appears in the report")
    func badTokenFails() throws {
        let badToken = "ghp_this_token_is_revoked_5566778899"
        let harness = try DiagnosticsHarness(token: badToken)
        let report = harness.run()
        let credentials = try #require(report.check("forge.credentials"))
        #expect(credentials.status == .fail)
        #expect(credentials.reason.contains("401"))
        #expect(report.check("forge.reachable")?.status == .pass)
        #expect(report.check("forge.permission") == nil)
        #expect(!report.json().contains(badToken))
        #expect(!report.text().contains(badToken))
    }

    @Test("an App missing a permission fails forge.permission and lists what to grant")
    func appMissingPermissions() throws {
        let harness = try DiagnosticsHarness()
        let key = try TestRSAKey()
        harness.fake.installApp(appID: "4242", publicKeyPEM: key.publicPEM, installationID: 77, slug: "slipway-diag")
        harness.fake.setAppPermissions(appID: "4242", ["contents": "read", "pull_requests": "write", "issues": "write", "statuses": "write",
                                                       "deployments": "write", "checks": "read", "metadata": "read"])
        harness.configuration.forge.credentials = .app(GitHubAppCredentials(appID: "4242", privateKey: try RSAPrivateKey(pem: key.privatePEM),
                                                                            installationID: 77))
        let report = harness.run()
        #expect(report.check("forge.credentials")?.reason.contains("slipway-diag[bot]") == true, "\(DiagnosticsHarness.notPassing(report))")
        let permission = try #require(report.check("forge.permission"))
        #expect(permission.status == .fail)
        #expect(permission.reason.contains("contents: write"))
        #expect(!permission.reason.contains("issues: write"))

        harness.fake.setAppPermissions(appID: "4242", FakeGitHub.App.defaultPermissions)
        #expect(harness.run().check("forge.permission")?.status == .pass)

        // The App's own webhook: only this installation's events count.
        harness.configuration.forgeHook = .app
        harness.fake.addAppHookDelivery(guid: "ours", statusCode: 200, installationID: 77)
        harness.fake.addAppHookDelivery(guid: "another-installation", statusCode: 502, installationID: 78)
        let app = try #require(harness.run().check("forge.webhook"))
        #expect(app.status == .pass, "\(app.reason)")
        #expect(app.reason.contains("the GitHub App's webhook"))
        harness.fake.addAppHookDelivery(guid: "ours-lost", statusCode: 0, installationID: 77)
        let lost = try #require(harness.run().check("forge.webhook"))
        #expect(lost.status == .warn)
        #expect(lost.reason.contains("ours-lost") && lost.reason.contains("1 of the last 2 events"))
    }

    @Test("a rate limit under 10 % left warns with the reset time")
    func lowRateLimitWarns() throws {
        let harness = try DiagnosticsHarness()
        harness.fake.setRateLimit(limit: 5000, remaining: 400)
        let report = harness.run()
        let check = try #require(report.check("forge.rate-limit"))
        #expect(check.status == .warn)
        #expect(check.reason.contains("400 of 5000"))
        #expect(report.exitCode == 1)
        harness.fake.setRateLimit(limit: 5000, remaining: 600)
        #expect(harness.run().check("forge.rate-limit")?.status == .pass)
    }

    @Test("failed webhook deliveries warn; one redelivered successfully does not; without a hook id the check warns how to enable it")
    func webhookDeliveries() throws {
        let harness = try DiagnosticsHarness()
        harness.fake.addHookDelivery(hookID: DiagnosticsHarness.hookID, guid: "guid-recovered", statusCode: 502)
        harness.fake.addHookDelivery(hookID: DiagnosticsHarness.hookID, guid: "guid-recovered", statusCode: 200, redelivery: true)
        #expect(harness.run().check("forge.webhook")?.status == .pass)

        harness.fake.addHookDelivery(hookID: DiagnosticsHarness.hookID, guid: "guid-lost", statusCode: 0, event: "push")
        let failing = try #require(harness.run().check("forge.webhook"))
        #expect(failing.status == .warn)
        #expect(failing.reason.contains("1 of the last 4 events"))
        #expect(failing.reason.contains("guid-lost"))

        harness.configuration.forgeHook = .repository(999)
        let unknown = try #require(harness.run().check("forge.webhook"))
        #expect(unknown.status == .fail)
        #expect(unknown.fix?.contains("--forge-hook-id 999") == true)

        harness.configuration.forgeHook = nil
        let off = try #require(harness.run().check("forge.webhook"))
        #expect(off.status == .warn)
        #expect(off.fix?.contains("--forge-hook-id") == true)
    }

    @Test("a forge nobody answers fails forge.reachable only")
    func unreachableForge() throws {
        let harness = try DiagnosticsHarness()
        harness.configuration.forge.apiBaseURL = "http://127.0.0.1:9"
        let report = harness.run()
        let reachable = try #require(report.check("forge.reachable"))
        #expect(reachable.status == .fail)
        #expect(report.check("forge.credentials") == nil)
        #expect(report.check("git.push")?.status == .pass)
    }

    @Test("no forge configured warns that comments and statuses are off")
    func noForge() throws {
        let harness = try DiagnosticsHarness()
        harness.configuration.forge = ForgeSettings()
        let report = harness.run()
        #expect(report.check("forge.credentials")?.status == .warn)
        #expect(report.exitCode == 1)
    }

    @Test("a full disk fails disk.work-dir: a 1 MiB tmpfs as the work dir, measured by statvfs")
    func fullDiskOnTmpfs() throws {
        let harness = try DiagnosticsHarness()
        let mountPoint = harness.directory.child("small-disk")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try Command.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "mounting a tmpfs needs root and mount(8): \(mounted.stderr)")
        defer { _ = try? Command.run("/usr/bin/umount", [mountPoint]) }
        let space = try DiskSpace.read(mountPoint + "/not-yet-created")
        #expect(space.totalBytes == 1 << 20)
        harness.configuration.workDir = mountPoint
        harness.disk = DiskSpace.read
        let check = try #require(harness.run().check("disk.work-dir"))
        #expect(check.status == .fail)
        #expect(check.reason.contains(mountPoint))
    }

    @Test("little disk space left warns, enough passes (the statvfs reader injected)")
    func diskThresholds() throws {
        let harness = try DiagnosticsHarness()
        harness.disk = { _ in DiskSpace(availableBytes: 3 << 30, totalBytes: 20 << 30) }
        #expect(harness.run().check("disk.work-dir")?.status == .warn)
        harness.disk = { _ in DiskSpace(availableBytes: 8 << 30, totalBytes: 1000 << 30) }
        #expect(harness.run().check("disk.work-dir")?.status == .fail, "under 2 % is a failure however many GiB")
        harness.disk = { _ in DiskSpace(availableBytes: 50 << 30, totalBytes: 100 << 30) }
        #expect(harness.run().check("disk.work-dir")?.status == .pass)
    }

    @Test("a store backlog warns; a missing store fails store.open")
    func storeBacklog() throws {
        let harness = try DiagnosticsHarness()
        harness.thresholds.backlogDeliveries = 3
        for index in 0..<3 {
            _ = try harness.store.journal(NewDelivery(id: "backlog-\(index)", event: "push", receivedAt: Date(), contentType: "application/json",
                                                      headers: [:], body: Data("{\"n\":\(index)}".utf8)))
        }
        let backlog = try #require(harness.run().check("store.backlog"))
        #expect(backlog.status == .warn)
        #expect(backlog.reason.contains("3 deliveries waiting"))

        let missing = harness.run(storeFailure: "no state store at /nowhere/state.db")
        #expect(missing.check("store.open")?.status == .fail)
        #expect(missing.check("store.latency") == nil)
    }

    @Test("a failed environment fails; a healthy one whose URL answers passes; one whose URL does not answer fails")
    func environments() throws {
        let harness = try DiagnosticsHarness()
        let now = Date()
        func record(_ name: String, _ status: EnvironmentStatus, url: String? = nil, error: String? = nil) -> EnvironmentRecord {
            EnvironmentRecord(name: name, kind: .preview, pullRequest: 1, sha: String(repeating: "a", count: 40), contentID: "c",
                              specFile: "environments/preview.yaml", status: status, url: url, lastError: error, createdAt: now, updatedAt: now)
        }
        try harness.store.saveEnvironment(record("pr-1", .failed, error: "build failed: exit 1"))
        // Any answer under 500 counts (the fake answers 404 on /).
        try harness.store.saveEnvironment(record("pr-2", .healthy, url: harness.fake.baseURL + "/"))
        try harness.store.saveEnvironment(record("pr-3", .healthy, url: "http://127.0.0.1:9/"))
        try harness.store.saveEnvironment(record("pr-4", .tornDown))
        let report = harness.run()
        let failed = try #require(report.check("environment.pr-1"))
        #expect(failed.status == .fail)
        #expect(failed.reason.contains("build failed: exit 1"))
        #expect(report.check("environment.pr-2")?.status == .pass)
        #expect(report.check("environment.pr-3")?.status == .fail)
        #expect(report.check("environment.pr-4") == nil, "torn-down environments are not checked")
    }

    @Test("a host that cannot isolate fails drivers.isolation; --isolation none warns")
    func isolation() throws {
        let harness = try DiagnosticsHarness()
        harness.isolation = { IsolationCapability(available: false, reason: "environments cannot be isolated: bwrap not installed") }
        #expect(harness.run().check("drivers.isolation")?.status == .fail)
        harness.configuration.isolation = .none
        #expect(harness.run().check("drivers.isolation")?.status == .warn)
    }

    @Test("with --router caddy, drivers.caddy passes when the admin API answers GET /config/ and fails when nothing listens")
    func caddy() throws {
        let harness = try DiagnosticsHarness()
        #expect(harness.run().check("drivers.caddy") == nil, "no check without --router caddy")
        // Caddy's admin API, as far as the check is concerned: 200 on GET /config/.
        let admin = HTTPServer(configuration: HTTPServer.Configuration(host: "127.0.0.1", port: 0, workerThreads: 1, shutdownTimeout: 2)) { request in
            request.path == "/config/" ? HTTPResponse(status: 200, body: Data("{}".utf8), contentType: "application/json")
                : HTTPResponse(status: 404, body: "not found\n")
        }
        try admin.start()
        defer { admin.stop() }
        harness.configuration.router.kind = .caddy
        harness.configuration.router.caddyAdmin = try CaddyAdminEndpoint(parsing: "http://127.0.0.1:\(admin.port)")
        let passing = try #require(harness.run().check("drivers.caddy"))
        #expect(passing.status == .pass, "\(passing.reason)")
        harness.configuration.router.caddyAdmin = try CaddyAdminEndpoint(parsing: "http://127.0.0.1:9")
        let failing = try #require(harness.run().check("drivers.caddy"))
        #expect(failing.status == .fail)
        #expect(failing.fix?.contains("--caddy-admin") == true)
    }

    @Test("no webhook secret fails config.webhook-secret, and the secret never appears in the report")
    func webhookSecret() throws {
        let harness = try DiagnosticsHarness()
        let report = harness.run()
        #expect(!report.json().contains(DiagnosticsHarness.secret))
        harness.configuration.webhookSecret = []
        #expect(harness.run().check("config.webhook-secret")?.status == .fail)
    }

    @Test("the JSON report decodes back, with snake_case fields and fix present (null) on passing checks")
    func jsonShape() throws {
        let harness = try DiagnosticsHarness()
        harness.configuration.forgeHook = nil
        let report = harness.run()
        let json = report.json()
        // Dates go out as whole seconds: the decoded report writes the same JSON.
        let decoded = try DiagnosticReport.decode(json)
        #expect(decoded.json() == json)
        #expect(decoded.checks == report.checks)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["status", "generated_at", "version", "duration_ms", "checks"])
        let checks = try #require(object["checks"] as? [[String: Any]])
        for check in checks {
            #expect(Set(check.keys) == ["name", "area", "status", "reason", "fix", "duration_ms"])
        }
        #expect(object["status"] as? String == "warn")
    }
}
