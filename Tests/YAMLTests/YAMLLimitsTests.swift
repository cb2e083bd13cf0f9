import Testing
import YAML

@Suite("YAML size limits")
struct YAMLLimitsTests {
    @Test("the default node limit is 10,000: a document at it parses, one node more is refused at that node")
    func nodeLimit() throws {
        #expect(YAML.Limits().maximumNodes == 10_000)
        // One sequence plus 9,999 scalars is 10,000 nodes, one scalar per line.
        let fits = (1...9_999).map { "- \($0)" }.joined(separator: "\n")
        #expect(try YAML.parse(fits)?.sequence?.count == 9_999)
        let error = try #require(throws: YAMLError.self) { try YAML.parse(fits + "\n- 10000\n- 10001") }
        #expect(error.kind == .tooManyNodes)
        #expect(error.mark == YAMLMark(line: 10_000, column: 3))
        #expect(error.description == "line 10000, column 3: the document has more than 10000 nodes once aliases are expanded")
        #expect(try YAML.parse(fits + "\n- 10000\n- 10001", limits: YAML.Limits(maximumNodes: 10_002))?.sequence?.count == 10_001)
    }

    @Test("a billion-laughs alias bomb is refused at the default limit, where it crosses it, and quickly")
    func billionLaughs() throws {
        var text = "lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            text += "lol\(level): &lol\(level) [\(Array(repeating: "*lol\(level - 1)", count: 10).joined(separator: ", "))]\n"
        }
        let clock = ContinuousClock()
        var caught: YAMLError?
        let elapsed = clock.measure { caught = #expect(throws: YAMLError.self) { try YAML.parse(text) } }
        let error = try #require(caught)
        #expect(error.kind == .tooManyNodes)
        // lol3 copies 10 × 1,111 nodes: the first alias that crosses 10,000 is on line 4.
        #expect(error.mark.line == 4)
        #expect(elapsed < .seconds(5), "took \(elapsed)")
        // Each alias counts as the nodes it copies, also inside flow mappings and merge keys.
        let merged = "a: &a {" + (1...60).map { "k\($0): v" }.joined(separator: ", ") + "}\n"
            + (1...100).map { "m\($0): {<<: *a}" }.joined(separator: "\n")
        #expect(throws: YAMLError.self) { try YAML.parse(merged) }
    }

    @Test("input over the byte limit is refused at the first byte past it, before parsing")
    func byteLimit() throws {
        let text = "a: 1\nname: caf\u{E9}-\u{1F680}-rocket\nb: [unclosed\n"
        // Byte 20 (0-based) is the 'r' of "rocket" after the 2-byte é and the 4-byte emoji.
        let error = try #require(throws: YAMLError.self) { try YAML.parse(text, limits: YAML.Limits(maximumBytes: 20)) }
        #expect(error.kind == .inputTooLarge)
        #expect(error.mark == YAMLMark(line: 2, column: 13))
        #expect(error.message == "the input is \(text.utf8.count) bytes, more than the limit of 20 bytes")
        // The size check comes first: the syntax error on line 3 is not what is reported.
        #expect(throws: YAMLError.self) { try YAML.parseAll(text, limits: YAML.Limits(maximumBytes: 20)) }
        let fitting = "a: 1\nb: 2\n"
        #expect(try YAML.parse(fitting, limits: YAML.Limits(maximumBytes: fitting.utf8.count))?["b"]?.int == 2)
        #expect(try YAML.parse(fitting)?["a"]?.int == 1)
    }
}
