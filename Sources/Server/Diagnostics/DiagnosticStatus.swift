/// How one check (or a whole report) came out: pass, warn or fail, ordered by severity.
public enum DiagnosticStatus: String, Sendable, Codable, CaseIterable, Comparable {
    case pass, warn, fail

    /// 0, 1, 2: `slipway diag`'s exit code for a report of this status.
    public var exitCode: Int32 {
        switch self {
        case .pass: 0
        case .warn: 1
        case .fail: 2
        }
    }

    public static func < (lhs: DiagnosticStatus, rhs: DiagnosticStatus) -> Bool {
        lhs.exitCode < rhs.exitCode
    }
}
