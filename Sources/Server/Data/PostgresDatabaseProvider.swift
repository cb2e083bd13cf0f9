import Data
import Foundation
import Runner
import SlipwayCore
import Store

/// The runner's `DatabaseProvider` over the data engine: an environment's database is a copy of
/// the newest snapshot that covers its spec's rules (or empty, or a copy of staging's), with its
/// own role and a password derived from the bot's key.
final class PostgresDatabaseProvider: DatabaseProvider {
    let plane: DataPlane
    /// Where each environment's database came from (`database-origin:<env>`), for the comment
    /// and the evidence of later deploys on the same database.
    let store: any Store
    static let originKeyPrefix = "database-origin:"

    init(plane: DataPlane, store: any Store) {
        self.plane = plane
        self.store = store
    }

    func prepare(_ request: DatabaseRequest) throws -> PreparedDatabase {
        let databases = plane.databases
        let environment = request.environment
        let password = plane.password(for: environment)
        if !request.refresh, try databases.exists(environment) {
            let credentials = try databases.credentials(environment, password: password)
            let origin = (try? store.value(forKey: Self.originKeyPrefix + environment)) ?? nil
            let snapshot = origin.flatMap { $0.hasPrefix("snapshot ") ? String($0.dropFirst("snapshot ".count)) : nil }
            return prepared(environment, credentials, origin: origin ?? "existing database \(credentials.database)", snapshot: snapshot, created: false)
        }
        switch request.spec.from {
        case .snapshot:
            guard let snapshot = try plane.snapshot(covering: request.spec) else {
                let newest = try plane.snapshots.newest()
                let reason = newest.map { newest in
                    let missing = SnapshotPolicy.missing(for: request.spec, rules: newest.rules, queries: newest.verify.map(\.query))
                    return missing.isEmpty
                        ? "the newest snapshot \(newest.name) did not pass its checks"
                        : "the newest snapshot \(newest.name) was made before these rules: \(missing.prefix(3).joined(separator: "; "))"
                } ?? "there is no snapshot yet"
                throw DataError("no sanitized snapshot covers this spec's rules (\(reason)); run `slipway snapshot create` (or wait for the schedule)")
            }
            let credentials = try databases.create(environment, from: .snapshot(snapshot.name), password: password, replace: request.refresh)
            return prepared(environment, credentials, origin: "snapshot \(snapshot.name)", snapshot: snapshot.name, created: true)
        case .empty:
            let credentials = try databases.create(environment, from: .empty, password: password, replace: request.refresh)
            return prepared(environment, credentials, origin: "empty", snapshot: nil, created: true)
        case .staging:
            guard let staging = request.stagingEnvironment else {
                throw DataError("database.from: staging, but no staging environment with a database is declared")
            }
            guard try databases.exists(staging) else {
                throw DataError("database.from: staging, but \(staging) has no database yet (it gets one at its first deploy)")
            }
            let credentials = try databases.create(environment, from: .copy(of: staging), password: password, replace: request.refresh)
            return prepared(environment, credentials, origin: "copy of \(staging)", snapshot: nil, created: true)
        }
    }

    func neutralize(environment: String, statements: [String]) throws {
        try plane.databases.run(environment, statements: statements, password: plane.password(for: environment))
    }

    func scan(environment: String, forbid: [String]) throws -> [String] {
        let (secrets, _) = plane.productionSecrets(specs: [])
        let rules = SnapshotRules(sanitize: [], verify: [], productionSecrets: secrets, forbid: forbid, personalData: false)
        return try plane.databases.scan(environment, rules: rules).findings.map(\.description)
    }

    func drop(environment: String) throws -> Bool {
        guard try plane.databases.exists(environment) else { return false }
        try plane.databases.drop(environment)
        try? store.setValue(nil, forKey: Self.originKeyPrefix + environment)
        return true
    }

    private func prepared(_ environment: String, _ credentials: DatabaseCredentials, origin: String, snapshot: String?, created: Bool) -> PreparedDatabase {
        if created { try? store.setValue(origin, forKey: Self.originKeyPrefix + environment) }
        return PreparedDatabase(variables: credentials.environment, secretValues: [credentials.password, credentials.url],
                         database: credentials.database, origin: origin, snapshot: snapshot, created: created)
    }
}
