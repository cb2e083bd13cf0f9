public import Foundation

/// What is known about one snapshot database; kept with the database itself
/// (`COMMENT ON DATABASE`, as JSON), so listing needs no other store. Holds no data values.
public struct SnapshotRecord: Sendable, Codable, Equatable {
    /// The database name, `slipway_snap_YYYYMMDDHHMMSS` (UTC), with `_2`, `_3`... when taken.
    public var name: String
    public var createdAt: Date
    /// `host:port/dbname` of the production source (no user, no password).
    public var source: String
    public var sourceServerVersion: String
    public var sizeBytes: Int64
    /// `SanitizeRule.summary` lines applied, in order.
    public var rules: [String]
    public var verify: [VerifyResult]
    public var scan: ScanResult
    /// Seconds: `dump`, `restore`, `sanitize`, `verify`, `scan`, `total`.
    public var durations: [String: Double]

    public init(name: String, createdAt: Date, source: String, sourceServerVersion: String, sizeBytes: Int64,
                rules: [String], verify: [VerifyResult], scan: ScanResult, durations: [String: Double]) {
        self.name = name
        self.createdAt = createdAt
        self.source = source
        self.sourceServerVersion = sourceServerVersion
        self.sizeBytes = sizeBytes
        self.rules = rules
        self.verify = verify
        self.scan = scan
        self.durations = durations
    }
}

/// One verify query and how many rows it returned (0 passes).
public struct VerifyResult: Sendable, Codable, Equatable {
    public var query: String
    public var rows: Int

    public init(query: String, rows: Int) {
        self.query = query
        self.rows = rows
    }

    public var passed: Bool { rows == 0 }
}

/// The credential (and personal data) scan of a database's text columns.
public struct ScanResult: Sendable, Codable, Equatable {
    public var passed: Bool
    /// Text, JSON and XML columns scanned.
    public var columnsScanned: Int
    /// At most `CredentialScanner.findingLimit`; table, column and rule name, never a value.
    public var findings: [ScanFinding]

    public init(passed: Bool, columnsScanned: Int, findings: [ScanFinding]) {
        self.passed = passed
        self.columnsScanned = columnsScanned
        self.findings = findings
    }
}

/// A column holding something the scan refuses.
public struct ScanFinding: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// `schema.table`.
    public var table: String
    public var column: String
    /// The rule's name (`Stripe live secret key`, `production grant value`, `forbid pattern sk_live_*`).
    public var rule: String

    public init(table: String, column: String, rule: String) {
        self.table = table
        self.column = column
        self.rule = rule
    }

    public var description: String { "\(table).\(column): \(rule)" }
}
