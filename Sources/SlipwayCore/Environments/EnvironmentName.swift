import Foundation

/// Environment names: fixed (`staging`) or a preview template (`pr-{{pr.number}}`).
public enum EnvironmentName {
    /// Renders a template for a pull request number.
    public static func render(_ template: String, pullRequest number: Int) -> String {
        template.replacingOccurrences(of: "{{pr.number}}", with: "\(number)")
    }

    /// The first `{{variable}}` other than `pr.number`, if any.
    public static func unknownVariable(in template: String) -> String? {
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { return String(rest[open.upperBound...]) }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if name != "pr.number" { return name }
            rest = rest[close.upperBound...]
        }
        return nil
    }

    /// DNS-label-like: lowercase letters, digits, dashes; starts with a letter; at most 63.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLowercase, name.count <= 63, name.last != "-" else { return false }
        return name.allSatisfy { $0 == "-" || ($0.isASCII && ($0.isLowercase || $0.isNumber)) }
    }
}
