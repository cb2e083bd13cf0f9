import Crypto
public import Data
public import Foundation
import Git
public import Reconcile
public import SlipwayCore

/// The bot's side of the data engine: the operator's server and production source, read from
/// the data settings; snapshots made with the rules of the trusted branch's specs; per-environment
/// passwords derived from a key only the bot holds (`<work-dir>/database.key`), so they are never
/// stored anywhere and survive restarts.
public final class DataPlane: @unchecked Sendable {
    public let settings: DataSettings
    public let server: DataServer
    public let databases: EnvironmentDatabases
    /// Nil without a production source: snapshots cannot be made (environments may still use
    /// ones made elsewhere, or start empty).
    public let snapshots: SnapshotEngine
    /// One spare copy of the newest snapshot, so a preview's database is a rename. Its
    /// background thread runs only once `spares.start()` is called (serve); without it,
    /// environments copy the template.
    public let spares: SparePool?
    let grants: GrantTable
    let secretSource: [String: String]
    private let key: [UInt8]
    let logger: Logger

    /// Nil when no database server is configured. Throws when one is configured but its
    /// connection string cannot be read.
    public static func make(settings: DataSettings, workDir: String, grants: GrantTable,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            logger: Logger) throws -> DataPlane? {
        guard let adminLocation = settings.admin else { return nil }
        let admin = try DataSettings.read(adminLocation, environment: environment, what: "databases.admin")
        let production = try settings.production.map { try DataSettings.read($0, environment: environment, what: "databases.production") }
        let work = workDir + "/data"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let server = DataServer(admin: admin, production: production, toolsDirectory: settings.tools, workDirectory: work)
        let key = try Self.loadKey(path: workDir + "/database.key")
        return DataPlane(settings: settings, server: server, key: key, grants: grants,
                         secretSource: environment.filter { !$0.key.hasPrefix("SLIPWAY_") }, logger: logger)
    }

    init(settings: DataSettings, server: DataServer, key: [UInt8], grants: GrantTable, secretSource: [String: String], logger: Logger) {
        self.settings = settings
        self.server = server
        self.key = key
        self.grants = grants
        self.secretSource = secretSource
        self.logger = logger
        let log: @Sendable (String) -> Void = { [logger] line in logger.info(line, ["component": "data"]) }
        // One spare per snapshot (0...8 is valid, so this cannot fail).
        spares = try? SparePool(server: server, perSnapshot: 1, log: log)
        databases = EnvironmentDatabases(server: server, appHost: settings.appHost?.host, appPort: settings.appHost?.port,
                                         spares: spares, log: log)
        snapshots = SnapshotEngine(server: server, spares: spares, log: log)
    }

    /// The connection strings, to mask in every log and message.
    public var secretValues: [String] {
        [server.admin] + (server.production.map { [$0] } ?? [])
    }

    // MARK: Passwords

    /// An environment's database password: HMAC-SHA256 of its name under the bot's key.
    func password(for environment: String) -> String {
        "sw" + Hex.encode(HMACSHA256.authenticationCode(key: key, message: Array("database-password:\(environment)".utf8)))
    }

    /// Reads the 32-byte key, creating it (mode 0600) on first use.
    static func loadKey(path: String) throws -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw ConfigError("\(path) is not a Slipway database key (32 bytes): remove it to make a new one; environment passwords then change at their next deploy") }
            return [UInt8](data)
        }
        guard let random = FileHandle(forReadingAtPath: "/dev/urandom") else { throw ConfigError("cannot read /dev/urandom") }
        defer { try? random.close() }
        let bytes = [UInt8](random.readData(ofLength: 32))
        guard bytes.count == 32 else { throw ConfigError("cannot read 32 random bytes") }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigError("cannot write the database key \(path)")
        }
        return bytes
    }

    // MARK: Snapshots

    /// The snapshot rules of the specs on `branch` (trusted: merged code, never a PR's head) and
    /// the production grant values the scan looks for.
    public func rules(repository: ManagedRepository, branch: String) throws -> (policy: SnapshotPolicy, rules: SnapshotRules, unread: [String]) {
        let specs: [EnvironmentSpec] = try repository.withRepository { repo in
            let sha: String
            do {
                sha = try repo.resolve("refs/heads/\(branch)").hex
            } catch {
                throw ConfigError("the branch '\(branch)' does not exist in the repository: snapshots read their rules from it")
            }
            switch try DesiredStateReader().specs(repo, at: sha) {
            case .specs(let resolved): return resolved.map(\.spec)
            case .invalid(let problems):
                throw ConfigError("the specs on \(branch) (\(sha.prefix(7))) are invalid, so no snapshot is made: \(problems.prefix(3).joined(separator: "; "))")
            }
        }
        let policy = SnapshotPolicy(specs: specs)
        guard policy.conflicts.isEmpty else {
            throw ConfigError("the specs on \(branch) disagree about the snapshot: \(policy.conflicts.joined(separator: "; "))")
        }
        let (secrets, unread) = productionSecrets(specs: specs)
        return (policy, SnapshotRules(sanitize: policy.sanitize, verify: policy.verify, productionSecrets: secrets, forbid: policy.forbid), unread)
    }

    /// The values of every grant production may use (the scan refuses data holding any of them),
    /// and the names of those that could not be read here.
    func productionSecrets(specs: [EnvironmentSpec]) -> (values: [String], unread: [String]) {
        let productionNames = specs.filter { $0.kind == .production }.map(\.name)
        var values: [String] = []
        var unread: [String] = []
        for name in grants.names {
            guard let grant = grants[name] else { continue }
            let forProduction = grant.environments.contains("production")
                || productionNames.contains { grant.allows(environment: $0, kind: .production) }
            guard forProduction else { continue }
            let value: String?
            switch grant.source {
            case .env(let variable): value = secretSource[variable]
            case .file(let path): value = FileManager.default.contents(atPath: path).map {
                String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            }
            if let value, value.count >= 8 { values.append(value) } else { unread.append(name) }
        }
        return (values, unread)
    }

    /// The newest snapshot that applied every rule and query `spec` asks for and passed its scan.
    func snapshot(covering spec: DatabaseSpec) throws(DataError) -> SnapshotRecord? {
        try snapshots.list().first { record in
            record.scan.passed && record.verify.allSatisfy(\.passed)
                && SnapshotPolicy.missing(for: spec, rules: record.rules, queries: record.verify.map(\.query)).isEmpty
        }
    }
}
