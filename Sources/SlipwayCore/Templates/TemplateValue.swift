/// The data a template renders: strings, numbers, booleans, lists and objects.
public indirect enum TemplateValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([TemplateValue])
    case object([String: TemplateValue])
    case null

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// `nil` becomes `.null`.
    public init(_ text: String?) { self = text.map(TemplateValue.string) ?? .null }

    /// False for null, false, "", 0 and empty lists and objects.
    public var isTruthy: Bool {
        switch self {
        case .string(let text): !text.isEmpty
        case .number(let number): number != 0
        case .bool(let flag): flag
        case .list(let items): !items.isEmpty
        case .object(let fields): !fields.isEmpty
        case .null: false
        }
    }

    /// The text a variable tag inserts.
    public var rendered: String {
        switch self {
        case .string(let text): text
        case .number(let number):
            number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .list(let items): items.map(\.rendered).joined(separator: ", ")
        case .object: "[object]"
        case .null: ""
        }
    }

    subscript(key: String) -> TemplateValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }
}
