/// Typed views of scalars by the YAML 1.2 core schema. Resolution applies to plain scalars without
/// an explicit tag (a quoted `"true"` is a string), or to any scalar explicitly tagged with the
/// matching core tag (`!!int "3"` is 3); any other tag gives nil.
extension YAMLNode {
    private static let core = "tag:yaml.org,2002:"

    /// The scalar text if the node may be resolved as the core type `name` (`null`, `bool`, ...).
    private func resolvable(as name: String) -> String? {
        guard case .scalar(let text, let style) = kind else { return nil }
        if let tag { return tag == Self.core + name ? text : nil }
        return style == .plain ? text : nil
    }

    /// Whether this is a null: a plain `null`, `Null`, `NULL`, `~` or empty scalar (e.g. `key:`).
    public var isNull: Bool {
        guard let text = resolvable(as: "null") else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// `true`/`True`/`TRUE` or `false`/`False`/`FALSE` (YAML 1.2: not `yes`, `on`, ...).
    public var bool: Bool? {
        switch resolvable(as: "bool") {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// A decimal (`-12`, `+3`), octal (`0o17`) or hexadecimal (`0x1F`) integer that fits in `Int`.
    public var int: Int? {
        guard let text = resolvable(as: "int") else { return nil }
        let utf8 = Array(text.utf8)
        if utf8.count > 2, utf8[0] == UInt8(ascii: "0"), utf8[1] == UInt8(ascii: "x") || utf8[1] == UInt8(ascii: "o") {
            let radix = utf8[1] == UInt8(ascii: "x") ? 16 : 8
            let body = text.dropFirst(2)
            // Int(_:radix:) would also accept a sign; the core schema does not.
            guard body.utf8.allSatisfy(Self.isHexDigit) else { return nil }
            return Int(body, radix: radix)
        }
        var digits = utf8[...]
        if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy(Self.isDigit) else { return nil }
        return Int(text)
    }

    /// A core-schema float (`1.5`, `-.5`, `1e3`, `.inf`, `-.Inf`, `.nan`) or decimal integer.
    public var double: Double? {
        guard let text = resolvable(as: "float") ?? resolvable(as: "int") else { return nil }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        guard Self.isCoreFloat(Array(text.utf8)) else { return nil }
        return Double(text)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// `[-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
    private static func isCoreFloat(_ text: [UInt8]) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < text.count, isDigit(text[index]) { index += 1 }
            return index - start
        }
        if index < text.count, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") { index += 1 }
        let whole = digits()
        var fraction = 0
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            fraction = digits()
            if whole == 0 && fraction == 0 { return false }
        } else if whole == 0 {
            return false
        }
        if index < text.count, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
            index += 1
            if index < text.count, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") { index += 1 }
            if digits() == 0 { return false }
        }
        return index == text.count
    }
}
