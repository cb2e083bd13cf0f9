/// Which database a deploy ran on, for the report, the evidence and the PR comment. Never holds
/// a credential.
public struct DatabaseUse: Sendable, Equatable, Codable {
    /// The database's name on the server.
    public var database: String
    /// `snapshot slipway_snap_…`, `empty`, `copy of staging`.
    public var origin: String
    /// The snapshot the data came from, when it did.
    public var snapshot: String?
    /// Whether this deploy created (or recreated) the database.
    public var created: Bool
    /// The credential scan before the app started: `passed`, or the findings (`table.column: rule`).
    public var scan: String?

    public init(database: String, origin: String, snapshot: String? = nil, created: Bool, scan: String? = nil) {
        self.database = database
        self.origin = origin
        self.snapshot = snapshot
        self.created = created
        self.scan = scan
    }
}
