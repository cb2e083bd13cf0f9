import Testing
import YAML

@Suite("YAML syntax errors")
struct YAMLErrorTests {
    @Test("an unclosed flow sequence is reported where the input ends, with libyaml's context")
    func unclosedFlowSequence() throws {
        // `[` is the 8th character of line 1; after "b\n" the next token is the end of the stream,
        // at line 2, column 1, where libyaml still wanted ',' or ']'.
        let error = try #require(throws: YAMLError.self) { try YAML.parse("steps: [a, b\n") }
        #expect(error.kind == .parser)
        #expect(error.function == "yaml_parser_parse")
        #expect(error.mark == YAMLMark(line: 2, column: 1))
        #expect(error.message == "did not find expected ',' or ']' (while parsing a flow sequence started at line 1, column 8)")
        #expect(error.description == "line 2, column 1: " + error.message)
    }

    @Test("a key indented between two levels is reported at that key")
    func badIndentation() throws {
        let text = "a:\n  b: 1\n c: 2\n"
        let error = try #require(throws: YAMLError.self) { try YAML.parse(text) }
        #expect(error.kind == .parser)
        #expect(error.mark == YAMLMark(line: 3, column: 2))
        #expect(error.message.hasPrefix("did not find expected key"))
        #expect(error.message.contains("while parsing a block mapping started at line 1, column 1"))
    }

    @Test("an unclosed quoted scalar is a scanner error at the end of the stream")
    func unclosedQuote() throws {
        let error = try #require(throws: YAMLError.self) { try YAML.parse("a: 1\nkey: \"never closed\nnext: 2\n") }
        #expect(error.kind == .scanner)
        #expect(error.mark == YAMLMark(line: 4, column: 1))
        #expect(error.message.contains("while scanning a quoted scalar started at line 2, column 6"))
    }

    @Test("a mapping value in a plain scalar's place is refused at the second colon")
    func nestedColon() throws {
        let error = try #require(throws: YAMLError.self) { try YAML.parse("a: b: c\n") }
        #expect(error.kind == .scanner)
        #expect(error.mark == YAMLMark(line: 1, column: 5))
        #expect(error.message == "mapping values are not allowed in this context")
    }

    @Test("a control character is a reader error located from its byte offset")
    func controlCharacter() throws {
        let error = try #require(throws: YAMLError.self) { try YAML.parse("ok: 1\nbad: \u{1}\n") }
        #expect(error.kind == .reader)
        #expect(error.mark == YAMLMark(line: 2, column: 6))
        #expect(error.message.contains("control characters are not allowed"))
    }

    @Test("an error in a later document fails parseAll but not parse")
    func errorInLaterDocument() throws {
        let text = "a: 1\n---\nb: [\n"
        #expect(try YAML.parse(text)?["a"]?.int == 1)
        let error = try #require(throws: YAMLError.self) { try YAML.parseAll(text) }
        #expect(error.mark.line == 4)
    }
}
