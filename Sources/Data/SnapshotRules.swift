public import SlipwayCore

/// What a snapshot must satisfy: the spec's sanitize rules and verify queries (from the trusted
/// branch), the values of every production grant (the scan refuses any text containing one) and
/// extra forbidden glob patterns (`sk_live_*`, the syntax of `SlipwayCore.ForbiddenPatterns`).
public struct SnapshotRules: Sendable, Equatable {
    public var sanitize: [SanitizeRule]
    public var verify: [String]
    public var productionSecrets: [String]
    public var forbid: [String]
    /// Also refuse personal data left in text: email addresses outside `@example.invalid` and
    /// card numbers that pass the Luhn check. On by default.
    public var personalData: Bool

    public init(sanitize: [SanitizeRule], verify: [String], productionSecrets: [String], forbid: [String] = [], personalData: Bool = true) {
        self.sanitize = sanitize
        self.verify = verify
        self.productionSecrets = productionSecrets
        self.forbid = forbid
        self.personalData = personalData
    }
}
