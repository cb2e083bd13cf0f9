public import Foundation

/// Where records live on the evidence branch:
/// `evidence/<environment>/<YYYY>/<MM>/<DD>/<HHMMSS>-<sha7>-<kind>/` (UTC, from the start time),
/// holding `record.json` and `logs/*.log` (`logs/*.log.gz` once compressed).
public enum EvidenceLayout {
    public static let root = "evidence"

    public static func folder(for record: EvidenceRecord) -> String {
        let c = EvidenceTime.components(record.startedAt)
        let day = String(format: "%04d/%02d/%02d", c.year!, c.month!, c.day!)
        let time = String(format: "%02d%02d%02d", c.hour!, c.minute!, c.second!)
        return "\(root)/\(safe(record.environment))/\(day)/\(time)-\(safe(String(record.sha.prefix(7))))-\(safe(record.kind))"
    }

    /// The start time a record folder encodes (whole seconds, UTC), or nil for other paths.
    /// `evidence/<env>/<YYYY>/<MM>/<DD>/<HHMMSS>-...`.
    public static func time(ofFolder folder: String) -> Date? {
        let parts = folder.split(separator: "/").map(String.init)
        guard parts.count == 6, parts[0] == root,
              let year = Int(parts[2]), let month = Int(parts[3]), let day = Int(parts[4]) else { return nil }
        let clock = parts[5].prefix(6)
        guard clock.count == 6, let hhmmss = Int(clock) else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hhmmss / 10000
        components.minute = hhmmss / 100 % 100
        components.second = hhmmss % 100
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }

    /// Keeps letters, digits, `.`, `_` and `-`; anything else becomes `-`.
    static func safe(_ text: String) -> String {
        let mapped = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
        return mapped.isEmpty || mapped.hasPrefix(".") ? "x" + mapped : mapped
    }
}
