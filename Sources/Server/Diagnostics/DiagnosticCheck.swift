/// One diagnostic check's result: what was checked (`forge.permission`, area `forge`), how it
/// came out, why in one line, what to do about it (nil when it passed), and how long it took.
/// Secrets never appear in `reason` or `fix` (the runner redacts both).
public struct DiagnosticCheck: Sendable, Equatable, Codable {
    public var name: String
    /// `config`, `forge`, `git`, `store`, `drivers`, `disk` or `environments`.
    public var area: String
    public var status: DiagnosticStatus
    public var reason: String
    public var fix: String?
    /// Milliseconds the check took.
    public var durationMs: Double

    public init(name: String, area: String, status: DiagnosticStatus, reason: String, fix: String? = nil, durationMs: Double = 0) {
        self.name = name
        self.area = area
        self.status = status
        self.reason = reason
        self.fix = fix
        self.durationMs = durationMs
    }

    enum CodingKeys: String, CodingKey {
        case name, area, status, reason, fix
        case durationMs = "duration_ms"
    }

    /// `fix` is always present in JSON (null when the check passed), so the shape is stable.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(area, forKey: .area)
        try container.encode(status, forKey: .status)
        try container.encode(reason, forKey: .reason)
        try container.encode(fix, forKey: .fix)
        try container.encode(durationMs, forKey: .durationMs)
    }
}
