public import Foundation

/// How important a log line is.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    case debug, info, warning, error

    private var rank: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// One structured log line: a fixed message and variables as metadata with dotted keys
/// (`delivery.id`, `env`, `sha`).
public struct LogRecord: Sendable, Equatable {
    public let time: Date
    public let level: LogLevel
    public let message: String
    public let metadata: [String: String]
}

/// Where log records go (stderr in the bot, memory in tests).
public protocol LogSink: Sendable {
    func emit(_ record: LogRecord)
}

/// A value-type logger carrying metadata for a scope (e.g. one delivery), injected where needed.
/// Every message and metadata value passes through the redactor before it reaches the sink.
public struct Logger: Sendable {
    public let sink: any LogSink
    public var metadata: [String: String]
    public var minimumLevel: LogLevel
    public var redactor: Redactor

    public init(sink: any LogSink, minimumLevel: LogLevel = .info, redactor: Redactor = Redactor(), metadata: [String: String] = [:]) {
        self.sink = sink
        self.minimumLevel = minimumLevel
        self.redactor = redactor
        self.metadata = metadata
    }

    /// A logger that drops everything.
    public static var discarding: Logger { Logger(sink: DiscardingLogSink()) }

    /// A copy with more metadata on every line.
    public func with(_ extra: [String: String]) -> Logger {
        var copy = self
        copy.metadata.merge(extra) { _, new in new }
        return copy
    }

    /// Whether lines at `level` are written (callers skip building costly metadata otherwise).
    public func writes(_ level: LogLevel) -> Bool { level >= minimumLevel }

    public func log(_ level: LogLevel, _ message: String, _ extra: [String: String] = [:]) {
        guard level >= minimumLevel else { return }
        var all = metadata
        all.merge(extra) { _, new in new }
        let clean = all.mapValues { redactor.redact($0) }
        sink.emit(LogRecord(time: Date(), level: level, message: redactor.redact(message), metadata: clean))
    }

    public func debug(_ message: String, _ extra: [String: String] = [:]) { log(.debug, message, extra) }
    public func info(_ message: String, _ extra: [String: String] = [:]) { log(.info, message, extra) }
    public func warning(_ message: String, _ extra: [String: String] = [:]) { log(.warning, message, extra) }
    public func error(_ message: String, _ extra: [String: String] = [:]) { log(.error, message, extra) }
}

struct DiscardingLogSink: LogSink {
    func emit(_ record: LogRecord) {}
}

/// Formats records as one JSON object per line or as text for people. Either way one record is
/// exactly one line, and no control character reaches the output raw.
public enum LogFormat: String, Sendable, CaseIterable {
    case json, text

    public func render(_ record: LogRecord) -> String {
        let time = Self.timestamp(record.time)
        switch self {
        case .json:
            var fields: [(String, String)] = [("ts", time), ("level", record.level.rawValue), ("msg", record.message)]
            fields += record.metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return "{" + fields.map { "\(JSONString.quote($0.0)):\(JSONString.quote($0.1))" }.joined(separator: ",") + "}\n"
        case .text:
            // Escaped (LogText): a value cannot add a line, a field or a terminal escape.
            let meta = record.metadata.sorted { $0.key < $1.key }.map { "\(LogText.field($0.key))=\(LogText.field($0.value))" }
                .joined(separator: " ")
            return "\(time) \(record.level.rawValue.uppercased()) \(LogText.escaped(record.message))\(meta.isEmpty ? "" : " " + meta)\n"
        }
    }

    /// `2026-11-22T01:30:11.123Z`, computed with integer arithmetic (no formatter objects: this
    /// runs for every log line).
    public static func timestamp(_ date: Date) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var days = totalMillis / 86_400_000
        var millisOfDay = totalMillis % 86_400_000
        if millisOfDay < 0 { millisOfDay += 86_400_000; days -= 1 }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        let hour = millisOfDay / 3_600_000, minute = millisOfDay / 60_000 % 60
        let second = millisOfDay / 1000 % 60, millis = millisOfDay % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(millis, 3))Z"
    }
}

/// Minimal JSON string quoting (RFC 8259), used where building a full encoder is overkill. Beyond
/// what JSON requires, DEL, C1 controls, U+2028/2029 and bidirectional overrides are escaped too
/// (`LogText.isUnsafe`), so a JSON log line shown on a terminal cannot drive it either.
public enum JSONString {
    public static func quote(_ text: String) -> String {
        // Most values (ids, names, header values) are printable ASCII without `"` or `\\`: they
        // are copied whole instead of scalar by scalar.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where LogText.isUnsafe(scalar):
                out += LogText.unicodeEscape(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
