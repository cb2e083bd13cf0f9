public import Docker
public import Docs
public import Forge
public import Foundation
public import SlipwayCore
public import Store
public import Runner

/// Everything `slipway serve` needs, resolved and checked. Holds the webhook secret: never print
/// it (its description leaves it out).
public struct BotConfiguration: Sendable, CustomStringConvertible {
    public var repo: String?
    public var listenHost: String
    public var listenPort: UInt16
    public var webhookPath: String
    public var webhookSecret: [UInt8]
    public var store: StoreLocation
    public var workDir: String
    public var maxBody: Int
    public var logFormat: LogFormat
    public var logLevel: LogLevel
    public var deliveryWorkers: Int
    /// Seconds a client may stay idle mid-request before it is dropped.
    public var connectionTimeout: Int
    public var reconcileInterval: TimeInterval
    /// Reconcile as soon as the bot starts (true for `serve`: it converges after downtime).
    public var reconcileAtStart = true
    public var defaultBranch: String
    public var forge: ForgeSettings = ForgeSettings()
    /// The webhook that sends this bot its deliveries (`--forge-hook-id ID|app`): its last
    /// deliveries are checked by `slipway diag`, and failed ones are redelivered at start.
    public var forgeHook: ForgeHook?
    /// How often `serve` runs the diagnostics (`slipway diag`) and keeps the result for
    /// `/readyz`; nil: never (code only; tests).
    public var diagnosticsInterval: TimeInterval? = 3600
    /// Builds and deploys at once (`--workers`, 1-64). 0, which only code can set, starts no
    /// runner: jobs are planned and queued but never run (tests of planning).
    public var runnerWorkers = 2
    public var evidenceBranch = "slipway/evidence"
    public var botName = "slipway[bot]"
    public var botEmail = "slipway[bot]@users.noreply.github.com"
    /// How the regenerated LLM docs are published (`--docs-publish`, `docs.publish`).
    public var docsPublish: DocsPublishMode = .auto
    /// Evidence retention (nil: keep forever) and log compression age.
    public var evidenceRetention: TimeInterval? = 90 * 86_400
    public var evidenceCompressAfter: TimeInterval? = 30 * 86_400
    /// How long finished deliveries stay in the store (nil: forever).
    public var deliveryRetention: TimeInterval? = 30 * 86_400
    /// How long finished jobs, the forge queue's bookkeeping and torn-down previews' comment
    /// state stay in the store (nil: forever).
    public var jobRetention: TimeInterval? = 30 * 86_400
    /// The operator's secret grants (the only source of spec secrets).
    public var grants = GrantTable()
    /// How builds and apps are confined (`--isolation`).
    public var isolation: IsolationMode = .sandbox
    /// The uids environments run as (`--isolation-uids BASE:COUNT`).
    public var isolationUIDs: (base: UInt32, count: UInt32) = (200_000, 10_000)
    /// The Docker Engine API of the container driver (`--docker-host`, else `DOCKER_HOST`, else
    /// `unix:///var/run/docker.sock`).
    public var docker: DockerHost?
    /// Databases, snapshots and the mail catch-all (`databases:`, `snapshot:`, `mail-catchall`).
    public var data = DataSettings()
    /// The read API's and the dashboard's token file (nil: both off).
    public var apiTokenFile: String?
    /// A second listener for the API, dashboard and metrics.
    public var adminListen: (host: String, port: UInt16)?
    /// The operator's dashboard templates.
    public var dashboardTemplates: String?
    /// Preview URLs through Caddy (`--router`, `--preview-domain`, `--tls`, ...).
    public var router = RouterSettings()
    /// The shortest webhook secret accepted, in bytes.
    public static let minimumSecretLength = 16

    public init(
        repo: String? = nil, listenHost: String = "127.0.0.1", listenPort: UInt16 = 8080,
        webhookPath: String = "/webhook", webhookSecret: [UInt8], store: StoreLocation, workDir: String,
        maxBody: Int = 25 * 1024 * 1024, logFormat: LogFormat = .json, logLevel: LogLevel = .info,
        deliveryWorkers: Int = 2, connectionTimeout: Int = 10, reconcileInterval: TimeInterval = 60,
        defaultBranch: String = "main"
    ) {
        self.reconcileInterval = reconcileInterval
        self.defaultBranch = defaultBranch
        self.connectionTimeout = connectionTimeout
        self.repo = repo
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.webhookPath = webhookPath
        self.webhookSecret = webhookSecret
        self.store = store
        self.workDir = workDir
        self.maxBody = maxBody
        self.logFormat = logFormat
        self.logLevel = logLevel
        self.deliveryWorkers = deliveryWorkers
    }

    func with(forge: ForgeSettings, runnerWorkers: Int, evidenceBranch: String, botName: String, botEmail: String,
              retention: TimeInterval?, compressAfter: TimeInterval?) -> BotConfiguration {
        var copy = self
        copy.forge = forge
        copy.runnerWorkers = runnerWorkers
        copy.evidenceBranch = evidenceBranch
        copy.botName = botName
        copy.botEmail = botEmail
        copy.evidenceRetention = retention
        copy.evidenceCompressAfter = compressAfter
        return copy
    }

    public var description: String {
        "repo=\(repo ?? "-") listen=\(listenHost):\(listenPort) webhook-path=\(webhookPath) store=\(store) work-dir=\(workDir) max-body=\(maxBody)"
    }

    /// Resolves every serve option from `source`, reading the secret file if one is named.
    public static func resolve(_ source: ConfigSource, requireSecret: Bool = true) throws -> BotConfiguration {
        func value(_ option: ConfigOption) -> String? { source.value(option) ?? option.defaultValue }

        let workDir = value(.workDir) ?? ".slipway"
        let (host, port) = try parseListen(value(.listen) ?? "127.0.0.1:8080")
        let path = value(.webhookPath) ?? "/webhook"
        guard path.hasPrefix("/"), !path.contains(" ") else {
            throw ConfigError("--webhook-path must start with '/' (got '\(path)')")
        }
        guard let maxBody = parseSize(value(.maxBody) ?? "26214400"), maxBody > 0 else {
            throw ConfigError("--max-body must be a positive number of bytes, like 26214400 or 25Mi (got '\(value(.maxBody) ?? "")')")
        }
        guard let format = LogFormat(rawValue: value(.logFormat) ?? "json") else {
            throw ConfigError("--log-format must be json or text (got '\(value(.logFormat) ?? "")')")
        }
        guard let level = LogLevel(rawValue: value(.logLevel) ?? "info") else {
            throw ConfigError("--log-level must be one of debug, info, warning, error")
        }
        guard let workers = Int(value(.workers) ?? "2"), (1...64).contains(workers) else {
            throw ConfigError("--delivery-workers must be a number from 1 to 64")
        }
        let store: StoreLocation
        do {
            store = try StoreLocation(parsing: value(.store) ?? "sqlite:state.db", workDir: workDir)
        } catch let error as StoreError {
            throw ConfigError(error.message)
        }
        guard let timeout = Int(value(.connectionTimeout) ?? "10"), (1...600).contains(timeout) else {
            throw ConfigError("--connection-timeout must be a number of seconds from 1 to 600")
        }
        let intervalText = value(.reconcileInterval) ?? "60s"
        guard let interval = Duration(parsing: intervalText), interval.milliseconds >= 100 else {
            throw ConfigError("--reconcile-interval must be a duration of at least 100ms, like 60s or 5m (got '\(intervalText)')")
        }
        let secret = try loadSecret(source, required: requireSecret)
        let forge = try ForgeSettings.resolve(source, repo: source.value(.repo))
        func age(_ option: ConfigOption) throws -> TimeInterval? {
            let text = value(option) ?? "0"
            if text == "0" { return nil }
            guard let duration = Duration(parsing: text) else {
                throw ConfigError("--\(option.name) must be a duration like 90d or 0 (got '\(text)')")
            }
            return duration.seconds
        }
        let retention = try age(.evidenceRetention)
        let compressAfter = try age(.evidenceCompressAfter)
        guard let runnerWorkers = Int(value(.runnerWorkers) ?? "2"), (1...64).contains(runnerWorkers) else {
            throw ConfigError("--workers must be a number from 1 to 64")
        }
        let grants = source.grants
        let ownFiles = [source.value(.webhookSecretFile), source.value(.forgeTokenFile), source.value(.forgeAppKeyFile)]
            .compactMap { $0 }.map { ($0 as NSString).standardizingPath }
        for grant in grants {
            if case .file(let path) = grant.source, ownFiles.contains((path as NSString).standardizingPath) {
                throw ConfigError("grant \(grant.name): \(path) holds one of Slipway's own secrets, which are never granted to environments")
            }
        }
        var configuration = BotConfiguration(
            repo: source.value(.repo), listenHost: host, listenPort: port, webhookPath: path,
            webhookSecret: secret, store: store, workDir: workDir, maxBody: maxBody,
            logFormat: format, logLevel: level, deliveryWorkers: workers, connectionTimeout: timeout,
            reconcileInterval: interval.seconds, defaultBranch: value(.defaultBranch) ?? "main"
        ).with(forge: forge, runnerWorkers: runnerWorkers, evidenceBranch: value(.evidenceBranch) ?? "slipway/evidence",
               botName: value(.botName) ?? "slipway[bot]", botEmail: value(.botEmail) ?? "slipway[bot]@users.noreply.github.com",
               retention: retention, compressAfter: compressAfter)
        configuration.grants = GrantTable(grants)
        configuration.deliveryRetention = try age(.deliveryRetention)
        configuration.jobRetention = try age(.jobRetention)
        let isolationText = value(.isolation) ?? "sandbox"
        guard let isolation = IsolationMode(rawValue: isolationText) else {
            throw ConfigError("--isolation must be sandbox or none (got '\(isolationText)')")
        }
        configuration.isolation = isolation
        let docsText = value(.docsPublish) ?? "auto"
        guard let docsPublish = DocsPublishMode(parsing: docsText) else {
            throw ConfigError("--docs-publish must be commit, pull-request or auto (got '\(docsText)')")
        }
        configuration.docsPublish = docsPublish
        let uidText = value(.isolationUIDs) ?? "200000:10000"
        let uidParts = uidText.split(separator: ":")
        guard uidParts.count == 2, let base = UInt32(uidParts[0]), let count = UInt32(uidParts[1]), base >= 1000, count >= 1,
              UInt64(base) + UInt64(count) < UInt64(Int32.max) else {
            throw ConfigError("--isolation-uids must be BASE:COUNT with BASE at least 1000, like 200000:10000 (got '\(uidText)')")
        }
        configuration.isolationUIDs = (base, count)
        configuration.data = try DataSettings.resolve(source)
        if let text = source.value(.forgeHookID) {
            guard let hook = ForgeHook(option: text) else {
                throw ConfigError("--forge-hook-id must be the repository webhook's numeric id, as in its settings URL .../settings/hooks/ID, or app for the GitHub App's webhook (got '\(text)')")
            }
            if hook == .app, configuration.forge.credentials.map({ if case .app = $0 { false } else { true } }) ?? true {
                throw ConfigError("--forge-hook-id app reads the GitHub App's webhook with the App's key: give --forge-app-id and --forge-app-key-file (with a token, give the repository webhook's id)")
            }
            configuration.forgeHook = hook
        }
        configuration.apiTokenFile = source.value(.apiTokenFile)
        if let file = configuration.apiTokenFile { _ = try APIAccess.load(file: file) }
        if let text = source.value(.adminListen) {
            let (host, port) = try parseListen(text)
            configuration.adminListen = (host, port)
            guard configuration.apiTokenFile != nil else {
                throw ConfigError("--admin-listen serves the API and the dashboard, which need --api-token-file")
            }
        }
        configuration.dashboardTemplates = source.value(.dashboardTemplates)
        configuration.router = try RouterSettings.resolve(source, grants: configuration.grants)
        do {
            configuration.docker = try DockerHost.resolve(flag: value(.dockerHost), environment: source.environment)
        } catch {
            throw ConfigError("--docker-host (or DOCKER_HOST): \(error.description)")
        }
        return configuration
    }

    /// The secret from `--webhook-secret-file` (flag, env or file) or `SLIPWAY_WEBHOOK_SECRET`.
    /// A trailing newline in the file is not part of the secret.
    static func loadSecret(_ source: ConfigSource, required: Bool) throws -> [UInt8] {
        let howTo = "give one with --webhook-secret-file FILE (or webhook-secret-file in slipway.yaml, or SLIPWAY_WEBHOOK_SECRET_FILE), or set SLIPWAY_WEBHOOK_SECRET; use the same secret as the GitHub webhook"
        if let file = source.value(.webhookSecretFile) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigError("cannot read the webhook secret file \(file); \(howTo)")
            }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { throw ConfigError("the webhook secret file \(file) is empty; \(howTo)") }
            return try checkLength(Array(text.utf8), from: "the webhook secret file \(file)")
        }
        if let secret = source.environment["SLIPWAY_WEBHOOK_SECRET"], !secret.isEmpty {
            return try checkLength(Array(secret.utf8), from: "SLIPWAY_WEBHOOK_SECRET")
        }
        if required { throw ConfigError("no webhook secret: \(howTo)") }
        return []
    }

    /// A guessable secret makes the signature worthless: at least 16 bytes (e.g. `openssl rand -hex 32`).
    static func checkLength(_ secret: [UInt8], from origin: String) throws -> [UInt8] {
        guard secret.count >= minimumSecretLength else {
            throw ConfigError("the webhook secret from \(origin) is \(secret.count) bytes; it must be at least \(minimumSecretLength) (make one with `openssl rand -hex 32` and give GitHub the same)")
        }
        return secret
    }

    /// `HOST:PORT`, `:PORT` (loopback) or `[IPv6]:PORT`.
    public static func parseListen(_ text: String) throws -> (String, UInt16) {
        let bad = ConfigError("--listen must be HOST:PORT, like 127.0.0.1:8080 (got '\(text)')")
        guard let colon = text.lastIndex(of: ":") else { throw bad }
        var host = String(text[..<colon])
        guard let port = UInt16(text[text.index(after: colon)...]) else { throw bad }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        if host == "localhost" { host = "127.0.0.1" }
        return (host, port)
    }

    /// Bytes with an optional suffix: K/M/G (1000s) or Ki/Mi/Gi (1024s).
    public static func parseSize(_ text: String) -> Int? {
        let units: [(String, Int)] = [("Ki", 1024), ("Mi", 1024 * 1024), ("Gi", 1024 * 1024 * 1024),
                                      ("K", 1000), ("M", 1_000_000), ("G", 1_000_000_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            return Int(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return Int(text)
    }
}
