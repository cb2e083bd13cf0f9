import SlipwayCore
import YAML

/// The `limits:` section: `limits: { processes: 256, open_files: 1024, file_size: 1g, memory: 512m, cpu: 1.0 }`.
extension SpecParser {
    static let limitKeys = ["processes", "open_files", "file_size", "memory", "cpu"]

    mutating func limits(_ node: YAMLNode) -> EnvironmentSpec.Limits? {
        guard let map = mapping(node, "limits", keys: Self.limitKeys) else { return nil }
        var limits = EnvironmentSpec.Limits()
        limits.processes = map["processes"].flatMap { count($0, "limits.processes", range: 1...1_000_000) }
        limits.openFiles = map["open_files"].flatMap { count($0, "limits.open_files", range: 16...1_048_576) }
        limits.fileSize = map["file_size"].flatMap { size($0, "limits.file_size", minimum: 1 << 20) }
        limits.memory = map["memory"].flatMap { size($0, "limits.memory", minimum: 16 << 20) }
        if let node = map["cpu"] {
            if let text = string(node, "limits.cpu") {
                if let cpu = Double(text), cpu.isFinite, cpu >= 0.01, cpu <= 1024 {
                    limits.cpu = cpu
                } else {
                    error(node, "limits.cpu '\(text)' is not a number of CPUs: use a number from 0.01 to 1024, like 0.5 or 2")
                }
            }
        }
        return limits
    }

    mutating func count(_ node: YAMLNode, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, what) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            error(node, "\(what) '\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func size(_ node: YAMLNode, _ what: String, minimum: Int64) -> Int64? {
        guard let text = string(node, what) else { return nil }
        guard let bytes = EnvironmentSpec.Limits.bytes(parsing: text) else {
            error(node, "\(what) '\(text)' is not a size: use a number of bytes with an optional unit k, m, g or t, like 512m or 1g")
            return nil
        }
        guard bytes >= minimum else {
            error(node, "\(what) '\(text)' is too small: at least \(minimum >> 20)m")
            return nil
        }
        return bytes
    }
}
