public import Foundation

/// What `slipway diag` found: every check, failures first, and the worst status (which is the
/// exit code: 0 all pass, 1 a warning, 2 a failure). `Codable`: `--json` prints it, `/readyz`
/// carries the latest one `serve` made.
public struct DiagnosticReport: Sendable, Equatable, Codable {
    public var status: DiagnosticStatus
    public var generatedAt: Date
    public var version: String
    public var durationMs: Double
    /// Failures first, then warnings, then passes; in the order they ran within each.
    public var checks: [DiagnosticCheck]

    public init(checks: [DiagnosticCheck], generatedAt: Date, version: String, durationMs: Double) {
        let ordered = checks.enumerated().sorted { left, right in
            left.element.status != right.element.status ? left.element.status > right.element.status : left.offset < right.offset
        }.map(\.element)
        self.checks = ordered
        self.status = checks.map(\.status).max() ?? .pass
        self.generatedAt = generatedAt
        self.version = version
        self.durationMs = durationMs
    }

    enum CodingKeys: String, CodingKey {
        case status, version, checks
        case generatedAt = "generated_at"
        case durationMs = "duration_ms"
    }

    public var exitCode: Int32 { status.exitCode }

    /// The check named `name`, if it ran.
    public func check(_ name: String) -> DiagnosticCheck? {
        checks.first { $0.name == name }
    }

    /// How many checks ended with `status`.
    public func count(_ status: DiagnosticStatus) -> Int {
        checks.filter { $0.status == status }.count
    }

    /// Pretty, key-sorted JSON with ISO 8601 dates.
    public func json(pretty: Bool = true) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes what `json()` wrote.
    public static func decode(_ text: String) throws -> DiagnosticReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(DiagnosticReport.self, from: Data(text.utf8))
    }

    /// For people: one line per check (status, name, reason), its fix indented below it,
    /// failures first, then a summary line.
    public func text() -> String {
        let width = checks.map(\.name.count).max() ?? 0
        var lines: [String] = []
        for check in checks {
            let name = check.name.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("\(check.status.rawValue.uppercased().padding(toLength: 4, withPad: " ", startingAt: 0))  \(name)  \(check.reason)")
            if let fix = check.fix {
                lines.append(String(repeating: " ", count: width + 8) + "fix: " + fix)
            }
        }
        lines.append("")
        lines.append("\(status.rawValue): \(count(.fail)) failed, \(count(.warn)) warned, \(count(.pass)) passed (slipway \(version))")
        return lines.joined(separator: "\n") + "\n"
    }
}
