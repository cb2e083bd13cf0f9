/// Escaping for the text log format, so a logged value cannot forge a log line or drive the
/// terminal that shows it: line breaks, C0 and C1 control characters (ESC, CSI), DEL, Unicode line
/// and paragraph separators and bidirectional overrides are written as `\n`, `\r`, `\t` or
/// `\uXXXX`, and a backslash as `\\`, so every escape is unambiguous. A metadata value that is
/// empty or holds a space, `=`, `"` or anything escaped is quoted (`key="a b"`), so it cannot
/// forge another `key=value` pair either.
public enum LogText {
    /// `text` with every unsafe character and backslash escaped (for the message).
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0) || $0 == "\\" }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars { append(scalar, to: &out) }
        return out
    }

    /// `text` as it appears after `key=` (and for keys): as is when plain, else quoted and escaped.
    public static func field(_ text: String) -> String {
        let plain = !text.isEmpty && !text.unicodeScalars.contains {
            isUnsafe($0) || $0 == "\\" || $0 == " " || $0 == "=" || $0 == "\""
        }
        if plain { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" { out += "\\\"" } else { append(scalar, to: &out) }
        }
        return out + "\""
    }

    /// Characters that must never reach a log line raw.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F: true
        case 0x2028, 0x2029: true
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func append(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where isUnsafe(scalar): out += unicodeEscape(scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }

    /// `\u001b`: four lowercase hex digits (every unsafe scalar is below U+FFFF).
    static func unicodeEscape(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
