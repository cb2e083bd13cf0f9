extension DecodingError {
    /// The dotted path of the field the error is about, e.g. `pull_request.head.sha` or
    /// `commits[0].id`; empty for the top level.
    var fieldPath: String {
        switch self {
        case .keyNotFound(let key, let context):
            return Self.render(context.codingPath + [key])
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return Self.render(context.codingPath)
        @unknown default:
            return ""
        }
    }

    /// A short reason a person can act on, e.g. "required key missing" or "expected a string".
    var reason: String {
        switch self {
        case .keyNotFound:
            return "required key missing"
        case .valueNotFound(let type, _):
            return "required value is null, \(Self.expectation(for: type))"
        case .typeMismatch(let type, _):
            return Self.expectation(for: type)
        case .dataCorrupted(let context):
            return "invalid value: \(context.debugDescription)"
        @unknown default:
            return "invalid value"
        }
    }

    private static func expectation(for type: Any.Type) -> String {
        switch type {
        case is String.Type: "expected a string"
        case is Bool.Type: "expected a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type: "expected an integer"
        case is Double.Type, is Float.Type: "expected a number"
        case is [String: Any].Type: "expected an object"
        case is [Any].Type: "expected an array"
        default: "expected \(type)"
        }
    }

    private static func render(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text
    }
}
