/// An environment's database (`database:` in its spec): where its data comes from, and — for the
/// shared snapshot — how that data is made safe and how that is checked.
///
/// Specs never hold connection strings: the server and the production source are the operator's
/// (`databases:` in slipway.yaml). `sanitize` and `verify` are read from the trusted branch's
/// specs when a snapshot is made, never from a pull request's head.
public struct DatabaseSpec: Sendable, Equatable {
    public enum Engine: String, Sendable, CaseIterable {
        case postgres
    }

    /// Where a new environment database's contents come from.
    public enum Source: String, Sendable, CaseIterable {
        /// A copy of the newest sanitized snapshot (a template database).
        case snapshot
        /// An empty database.
        case empty
        /// A copy of the staging environment's database.
        case staging
    }

    /// The variables an environment with a database gets (as secrets): its spec may not set them.
    public static let variables: Set<String> = ["DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"]

    public var engine: Engine
    public var from: Source
    /// Applied once, to the snapshot, in order.
    public var sanitize: [SanitizeRule]
    /// Each query must return zero rows on the sanitized snapshot, or the snapshot is refused.
    public var verify: [String]

    public init(engine: Engine = .postgres, from: Source = .snapshot, sanitize: [SanitizeRule] = [], verify: [String] = []) {
        self.engine = engine
        self.from = from
        self.sanitize = sanitize
        self.verify = verify
    }
}
