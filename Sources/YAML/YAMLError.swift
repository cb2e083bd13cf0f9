/// Why YAML text could not be turned into nodes, and where.
///
/// For libyaml's own errors, `function` is the libyaml function that failed
/// (`yaml_parser_parse`), `kind` its error type and `message` its problem text plus its context
/// ("while parsing a flow sequence started at line 1, column 6"); `mark` is libyaml's
/// `problem_mark`, 1-based. For checks this wrapper makes (undefined alias, merge key, limits),
/// `function` is nil. A plain value: safe to share between threads.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// libyaml: the input could not be decoded (e.g. a control character).
        case reader
        /// libyaml: the text could not be split into tokens (e.g. an unclosed quote).
        case scanner
        /// libyaml: the tokens do not form YAML structure (e.g. bad indentation).
        case parser
        /// libyaml: out of memory.
        case memory
        /// An alias `*name` with no earlier anchor `&name` in the same document.
        case undefinedAlias
        /// A merge key `<<` whose value is not a mapping or a sequence of mappings.
        case invalidMergeKey
        /// More nodes than `YAML.Limits.maximumNodes` after alias expansion (a big document or an
        /// alias bomb); the mark is the node that went past the limit.
        case tooManyNodes
        /// Collections nested deeper than `YAML.Limits.maximumDepth`.
        case tooDeep
        /// More bytes than `YAML.Limits.maximumBytes`; the mark is the first byte past the limit.
        case inputTooLarge
    }

    public let kind: Kind
    public let message: String
    public let mark: YAMLMark
    public let function: String?

    public init(kind: Kind, message: String, mark: YAMLMark, function: String? = nil) {
        self.kind = kind
        self.message = message
        self.mark = mark
        self.function = function
    }

    public var description: String { "\(mark): \(message)" }
}
