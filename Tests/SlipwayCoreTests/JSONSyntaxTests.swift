import Foundation
import SlipwayCore
import Testing
import TestSupport

@Suite("JSON syntax check")
struct JSONSyntaxTests {
    static let valid = [
        "{}", " {\"a\":1} ", "{\"a\":[1,2.5,-3e10,0,0.0e-1,true,false,null,\"x\"]}", "{\"\\u00e9\\n\\\"\":{}}",
        "{\"é✓𝄞\":\"ü\"}", "{\"a\":{\"b\":{\"c\":[[],[{}]]}}}", "\n\t{\r\"k\" : \"v\" }\n",
    ]
    static let invalid = [
        "", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}",
        "{\"a\":tru}", "{\"a\":\"\u{1}\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":1} x", "{\"a\":1}{}",
        "{\"a\":[1,2}", "{\"a\":\"unterminated}", "{'a':1}", "{\"a\":NaN}", "{\"a\":.5}", "{\"a\":1e}",
    ]

    @Test("valid documents pass and agree with JSONSerialization")
    func valid() throws {
        for text in Self.valid {
            #expect(JSONSyntax.objectProblem(Data(text.utf8)) == nil, "\(text)")
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "JSONSerialization disagrees on \(text)")
        }
    }

    @Test("invalid documents fail with a position")
    func invalid() {
        // Foundation accepts a trailing comma; RFC 8259 (and this check) does not.
        for text in Self.invalid {
            let problem = JSONSyntax.objectProblem(Data(text.utf8))
            #expect(problem != nil, "accepted \(text.debugDescription)")
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) == nil || text.hasPrefix("{\"a\":1} ") || text == "{\"a\":1}{}" || text == "{\"a\":1,}",
                    "JSONSerialization accepts \(text.debugDescription)")
        }
        #expect(JSONSyntax.objectProblem(Data("{\"a\":x}".utf8)) == JSONSyntax.Problem(message: "unexpected character", offset: 5))
    }

    @Test("values other than objects are told apart")
    func nonObjects() {
        #expect(JSONSyntax.objectProblem(Data("[1,2]".utf8))?.message == "expected a JSON object")
        #expect(JSONSyntax.valueProblem(Data("[1,2]".utf8)) == nil)
        #expect(JSONSyntax.valueProblem(Data("\"s\"".utf8)) == nil)
        #expect(JSONSyntax.valueProblem(Data("12".utf8)) == nil)
    }

    @Test("invalid UTF-8 in strings is refused")
    func utf8() {
        for bytes: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xF0, 0x8F, 0xBF, 0xBF]] {
            let data = Data("{\"a\":\"".utf8) + Data(bytes) + Data("\"}".utf8)
            #expect(JSONSyntax.objectProblem(data)?.message == "invalid UTF-8", "\(bytes)")
        }
    }

    @Test("special bytes are found at every position of a long string (the eight-byte fast path)")
    func everyAlignment() {
        for k in 0..<40 {
            let pad = String(repeating: "x", count: k)
            #expect(JSONSyntax.objectProblem(Data("{\"a\":\"\(pad)\\\"yyyyyyyyy\"}".utf8)) == nil, "escaped quote at \(k)")
            #expect(JSONSyntax.objectProblem(Data("{\"a\":\"\(pad)é\u{1F600}yyyyyyyy\"}".utf8)) == nil, "non-ASCII at \(k)")
            #expect(JSONSyntax.objectProblem(Data("{\"a\":\"\(pad)\u{1F}yyyyyyyyy\"}".utf8))?.message == "control character in string", "control at \(k)")
            #expect(JSONSyntax.objectProblem(Data("{\"a\":\"\(pad)\"yyyyyyyyy\"}".utf8)) != nil, "bare quote at \(k)")
            #expect(JSONSyntax.objectProblem(Data("{\"a\":\"\(pad)\\qyyyyyyyy\"}".utf8))?.message == "invalid escape", "bad escape at \(k)")
            #expect(JSONSyntax.objectProblem(Data("{\"a\":\"\(pad)".utf8))?.message == "unterminated string", "unterminated at \(k)")
        }
    }

    @Test("deep nesting is bounded")
    func depth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(JSONSyntax.valueProblem(Data(deep.utf8))?.message.contains("nesting deeper") == true)
        let ok = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(JSONSyntax.valueProblem(Data(ok.utf8)) == nil)
    }

    @Test("every webhook fixture passes, and any truncation of one fails")
    func fixtures() throws {
        let folder = Fixtures.directory().appendingPathComponent("webhooks")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") && $0 != "SOURCES.json" }
        #expect(names.count == 12)
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            #expect(JSONSyntax.objectProblem(data) == nil, "\(name)")
            for cut in stride(from: 1, to: data.count - 2, by: max(1, data.count / 97)) {
                #expect(JSONSyntax.objectProblem(data.prefix(cut)) != nil, "\(name) cut at \(cut)")
            }
        }
    }
}
