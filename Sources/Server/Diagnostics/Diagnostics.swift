public import Forge
import Foundation
public import Reconcile
public import Runner
public import SlipwayCore
public import Store

/// `slipway diag`: checks the forge (reachable, credentials, permission, rate limit, webhook
/// deliveries), git (fetch, push permission), the store (latency, schema, size, backlog), the
/// drivers (isolation, the database server), disk space in the work dir and each live
/// environment, and returns a `DiagnosticReport`. Every check passes, warns or fails with a
/// one-line reason and a fix; the reasons and fixes go through `redactor` (the token, the
/// webhook secret, connection strings, token shapes).
///
/// Blocking (network, git, processes): run it on a thread of its own (`serve` runs it hourly on
/// one), never on the cooperative pool. Thread-safe: `run()` keeps no state between runs.
public final class Diagnostics: Sendable {
    /// The live parts of a running bot; nil parts are made (forge client) or left out.
    public struct Parts: Sendable {
        /// The store; nil with `storeFailure` saying why it could not be opened.
        public var store: (any Store)?
        public var storeFailure: String?
        /// The bot's own forge client (its login is cached); nil: one is made when credentials
        /// and a repository are configured.
        public var forge: GitHubClient?
        /// The bot's mirror: `git.fetch` fetches it. Nil (the CLI): a throwaway repository
        /// fetches the default branch instead, so a running bot's mirror is never touched.
        public var repository: ManagedRepository?

        public init(store: (any Store)? = nil, storeFailure: String? = nil, forge: GitHubClient? = nil, repository: ManagedRepository? = nil) {
            self.store = store
            self.storeFailure = storeFailure
            self.forge = forge
            self.repository = repository
        }
    }

    /// Where a check turns from pass to warn to fail.
    public struct Thresholds: Sendable {
        /// Disk: fail under 1 GiB or 2 % free, warn under 5 GiB or 10 %.
        public var diskFailBytes: UInt64 = 1 << 30
        public var diskFailFraction = 0.02
        public var diskWarnBytes: UInt64 = 5 << 30
        public var diskWarnFraction = 0.10
        /// Warn when less than this fraction of the rate limit is left.
        public var rateLimitWarnFraction = 0.10
        /// Warn from this many waiting deliveries or queued jobs.
        public var backlogDeliveries = 100
        public var backlogJobs = 50
        /// Warn when a store write and read take longer (seconds).
        public var storeLatencyWarn = 0.5
        /// How many of the webhook's last deliveries are looked at.
        public var webhookDeliveries = 30
        /// Seconds an environment's URL has to answer.
        public var probeTimeout = 3.0
        /// At most this many environments are probed (the rest are summarised).
        public var maxEnvironments = 100

        public init() {}
    }

    let configuration: BotConfiguration
    let parts: Parts
    let redactor: Redactor
    let thresholds: Thresholds
    let diskSpace: @Sendable (String) throws -> DiskSpace
    let isolationProbe: @Sendable () -> IsolationCapability
    let logger: Logger
    /// Made from the configuration when `parts.forge` is nil; the error when that failed.
    let forge: Result<GitHubClient, ForgeError>?

    /// `diskSpace` and `isolationProbe` may be replaced (tests: a full disk, a host without
    /// bubblewrap).
    public init(configuration: BotConfiguration, parts: Parts, redactor: Redactor, logger: Logger = .discarding,
                thresholds: Thresholds = Thresholds(), diskSpace: @escaping @Sendable (String) throws -> DiskSpace = DiskSpace.read,
                isolationProbe: @escaping @Sendable () -> IsolationCapability = Isolation.probe) {
        var redactor = redactor
        redactor.add(String(decoding: configuration.webhookSecret, as: UTF8.self))
        if case .token(let token)? = configuration.forge.credentials { redactor.add(token) }
        self.configuration = configuration
        self.parts = parts
        self.redactor = redactor
        self.thresholds = thresholds
        self.diskSpace = diskSpace
        self.isolationProbe = isolationProbe
        var quiet = logger
        quiet.redactor = redactor
        self.logger = quiet
        if let client = parts.forge {
            forge = .success(client)
        } else {
            forge = Self.makeForgeClient(configuration, logger: quiet)
        }
    }

    /// A client for the configured forge, or nil when no credentials or repository are set.
    static func makeForgeClient(_ configuration: BotConfiguration, logger: Logger) -> Result<GitHubClient, ForgeError>? {
        guard let credentials = configuration.forge.credentials, let repository = configuration.forge.repository else { return nil }
        do {
            // Diagnostics wait for nobody: one attempt, short timeouts.
            let client = try GitHubClient(
                configuration: .init(apiBaseURL: configuration.forge.apiBaseURL, repository: repository, version: SlipwayVersion.current,
                                     retry: RetryPolicy(maxAttempts: 1), requestTimeout: 15, connectTimeout: 5),
                credentials: credentials, logger: logger, clock: configuration.forge.clock)
            return .success(client)
        } catch {
            return .failure(error)
        }
    }

    /// Runs every check and returns the report (failures first).
    public func run() -> DiagnosticReport {
        let started = Date()
        var checks: [DiagnosticCheck] = []
        checks += configurationChecks()
        let forge = forgeChecks()
        checks += forge.checks
        checks += gitChecks(pushPermission: forge.pushPermission)
        checks += storeChecks()
        checks += driverChecks()
        checks.append(diskCheck())
        checks += environmentChecks()
        let redacted = checks.map { check in
            var copy = check
            copy.reason = Self.oneLine(redactor.redact(check.reason))
            copy.fix = check.fix.map { Self.oneLine(redactor.redact($0)) }
            return copy
        }
        return DiagnosticReport(checks: redacted, generatedAt: started, version: SlipwayVersion.current,
                                durationMs: Self.milliseconds(since: started))
    }

    // MARK: Helpers

    /// One finding of a check, before it is timed and named.
    struct Finding {
        var status: DiagnosticStatus
        var reason: String
        var fix: String?

        static func pass(_ reason: String) -> Finding { Finding(status: .pass, reason: reason, fix: nil) }
        static func warn(_ reason: String, fix: String) -> Finding { Finding(status: .warn, reason: reason, fix: fix) }
        static func fail(_ reason: String, fix: String) -> Finding { Finding(status: .fail, reason: reason, fix: fix) }
    }

    /// Runs `body`, timing it, as check `name` of `area`.
    func check(_ name: String, _ area: String, _ body: () -> Finding) -> DiagnosticCheck {
        let started = Date()
        let finding = body()
        return DiagnosticCheck(name: name, area: area, status: finding.status, reason: finding.reason, fix: finding.fix,
                               durationMs: Self.milliseconds(since: started))
    }

    static func milliseconds(since start: Date) -> Double {
        (Date().timeIntervalSince(start) * 1_000_000).rounded() / 1000
    }

    /// The first line of `text`, at most 400 characters.
    static func oneLine(_ text: String) -> String {
        let first = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
        return first.count > 400 ? String(first.prefix(399)) + "…" : first
    }

    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func iso(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    // MARK: Configuration

    func configurationChecks() -> [DiagnosticCheck] {
        [check("config.webhook-secret", "config") {
            guard !configuration.webhookSecret.isEmpty else {
                return .fail("no webhook secret: serve refuses to start without one",
                             fix: "give --webhook-secret-file FILE (or SLIPWAY_WEBHOOK_SECRET) with the secret the GitHub webhook was given")
            }
            return .pass("a webhook secret of \(configuration.webhookSecret.count) bytes is set")
        }]
    }
}
