public import SlipwayCore

/// Gives environments their own databases. The bot implements it over the PostgreSQL data
/// engine (`Data`); the runner only asks for what a spec's `database:` section says, so the code
/// under review never names a server, a snapshot or a credential.
public protocol DatabaseProvider: Sendable {
    /// Makes sure the environment has its database — created from the origin its spec asks for
    /// when missing, or recreated from the newest snapshot when `refresh` — and returns what its
    /// processes get. Throws with a reason that names no secret.
    func prepare(_ request: DatabaseRequest) throws -> PreparedDatabase
    /// Runs `statements` (the spec's `neutralize.crons_sql`) on the environment's database as the
    /// environment's own role.
    func neutralize(environment: String, statements: [String]) throws
    /// Looks for credentials in the environment's database: live key shapes, the values of the
    /// production grants, and the `forbid` patterns. Returns one line per finding
    /// (`table.column: rule`), never a value; empty when clean.
    func scan(environment: String, forbid: [String]) throws -> [String]
    /// Drops the environment's database and role, if there are any. Returns whether it did.
    func drop(environment: String) throws -> Bool
}

/// What one deploy asks of the provider.
public struct DatabaseRequest: Sendable, Equatable {
    public var environment: String
    public var kind: EnvironmentKind
    public var spec: DatabaseSpec
    /// The staging environment whose database `from: staging` copies (from the same specs).
    public var stagingEnvironment: String?
    /// Recreate the database from the newest snapshot (`slipway env refresh`).
    public var refresh: Bool

    public init(environment: String, kind: EnvironmentKind, spec: DatabaseSpec, stagingEnvironment: String? = nil, refresh: Bool = false) {
        self.environment = environment
        self.kind = kind
        self.spec = spec
        self.stagingEnvironment = stagingEnvironment
        self.refresh = refresh
    }
}

/// An environment's database, ready for its processes.
public struct PreparedDatabase: Sendable, Equatable {
    /// `DATABASE_URL`, `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`.
    public var variables: [String: String]
    /// Values to redact from every log (the password, the URL).
    public var secretValues: [String]
    /// The database's name on the server.
    public var database: String
    /// Where its data came from: `snapshot slipway_snap_…`, `empty`, `copy of staging`.
    public var origin: String
    /// The snapshot its data came from, when it did.
    public var snapshot: String?
    /// Whether this deploy created (or recreated) it.
    public var created: Bool

    public init(variables: [String: String], secretValues: [String], database: String, origin: String, snapshot: String? = nil,
                created: Bool) {
        self.variables = variables
        self.secretValues = secretValues
        self.database = database
        self.origin = origin
        self.snapshot = snapshot
        self.created = created
    }
}
