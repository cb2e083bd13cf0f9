internal import CYAML

/// One libyaml event, copied out of the C struct (which is deleted right after).
enum YAMLEvent {
    case streamStart
    case streamEnd
    case documentStart
    case documentEnd
    case alias(anchor: String, mark: YAMLMark)
    case scalar(String, style: YAMLNode.ScalarStyle, tag: String?, anchor: String?, mark: YAMLMark)
    case sequenceStart(tag: String?, anchor: String?, mark: YAMLMark)
    case sequenceEnd
    case mappingStart(tag: String?, anchor: String?, mark: YAMLMark)
    case mappingEnd
}

/// libyaml's event parser over a private copy of the input text.
///
/// Owns a heap-allocated `yaml_parser_t` (it stores pointers into itself, so it must not move):
/// `yaml_parser_initialize` / `yaml_parser_delete`, and the input buffer libyaml reads from, which
/// lives exactly as long as the parser. Not safe to use from several threads at once.
final class EventParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>

    init(text: String) throws {
        let bytes = Array(text.utf8)
        let input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate()
            input.deallocate()
            throw YAMLError(kind: .memory, message: "cannot initialise the parser", mark: YAMLMark(line: 1, column: 1),
                            function: "yaml_parser_initialize")
        }
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        self.parser = parser
        self.input = input
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event, or a `YAMLError` built from the parser's problem fields.
    func next() throws -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw error() }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_STREAM_END_EVENT:
            return .streamEnd
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: Self.string(event.data.alias.anchor) ?? "", mark: mark)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            return .scalar(value, style: Self.style(scalar.style), tag: Self.string(scalar.tag),
                           anchor: Self.string(scalar.anchor), mark: mark)
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(tag: Self.string(start.tag), anchor: Self.string(start.anchor), mark: mark)
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(tag: Self.string(start.tag), anchor: Self.string(start.anchor), mark: mark)
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd
        default:
            throw YAMLError(kind: .parser, message: "unexpected libyaml event type \(event.type.rawValue)", mark: mark,
                            function: "yaml_parser_parse")
        }
    }

    /// The parser's error, read at once: problem + context, at the 1-based problem mark.
    private func error() -> YAMLError {
        let state = parser.pointee
        var message = state.problem.map { String(cString: $0) } ?? "unknown libyaml error"
        var mark = YAMLMark(line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1)
        let kind: YAMLError.Kind
        switch state.error {
        case YAML_MEMORY_ERROR: kind = .memory
        case YAML_READER_ERROR:
            kind = .reader
            // Reader errors carry a byte offset instead of a mark.
            mark = markOfByte(at: state.problem_offset)
            if state.problem_value != -1 { message += " (#x\(String(state.problem_value, radix: 16, uppercase: true)))" }
        case YAML_SCANNER_ERROR: kind = .scanner
        default: kind = .parser
        }
        if let context = state.context {
            let contextMark = YAMLMark(line: Int(state.context_mark.line) + 1, column: Int(state.context_mark.column) + 1)
            message += " (\(String(cString: context)) started at \(contextMark))"
        }
        return YAMLError(kind: kind, message: message, mark: mark, function: "yaml_parser_parse")
    }

    /// The 1-based line and column (in Unicode scalars) of byte `offset` of the input.
    private func markOfByte(at offset: Int) -> YAMLMark {
        var line = 1, column = 1
        for byte in input.prefix(min(offset, input.count)) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLMark(line: line, column: column)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }
}
