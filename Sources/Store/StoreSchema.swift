/// The schema version a store is at, for diagnostics (`slipway diag`): both backends record
/// each applied migration in `schema_migrations`.
public protocol SchemaVersioned: AnyObject, Sendable {
    /// The highest migration applied to this store.
    func schemaVersion() throws -> Int
}

/// The schema this build of Slipway writes.
public enum StoreSchema {
    /// The highest migration this build knows (a store opened by it is migrated to it).
    public static var currentVersion: Int { Migrator.migrations.map(\.version).max() ?? 0 }
}

extension SQLStateStore {
    public func schemaVersion() throws -> Int {
        try inReadTransaction("read the schema version") { x in
            try x.rows("SELECT MAX(version) AS version FROM schema_migrations", []).first?.int("version") ?? 0
        }
    }
}

extension SQLiteStore: SchemaVersioned {}
extension PostgresStore: SchemaVersioned {}
