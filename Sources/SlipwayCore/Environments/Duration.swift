/// A span of time written as `90s`, `5m`, `72h`, `1h30m`, `2d` or `500ms` in specs.
public struct Duration: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func seconds(_ value: Int64) -> Duration { Duration(milliseconds: value * 1000) }
    public static func minutes(_ value: Int64) -> Duration { .seconds(value * 60) }
    public static func hours(_ value: Int64) -> Duration { .minutes(value * 60) }

    public var seconds: Double { Double(milliseconds) / 1000 }

    public static func < (lhs: Duration, rhs: Duration) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Parses `1h30m`, `45s`, `250ms`, `3d`, `2w`. Units are required; no negatives; no spaces.
    public init?(parsing text: String) {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000)]
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 12, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else {
                return nil
            }
            rest = rest.dropFirst(unit.0.count)
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.1)
            guard !overflow else { return nil }
            total += product
        }
        milliseconds = total
    }

    /// The shortest spec form: `72h`, `1h30m`, `90s` → `1m30s`, `500ms`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var text = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            if rest >= size {
                text += "\(rest / size)\(unit)"
                rest %= size
            }
        }
        return text
    }
}
