import Foundation
import SlipwayCore
import Testing

@Suite("Log lines cannot be forged")
struct LogEscapingTests {
    static let forged = "ok\n2026-01-01T00:00:00.000Z ERROR forged line\r\u{1B}[2J\u{1B}]0;title\u{7}\u{9B}31m\u{7F}\u{85}\u{2028}\u{202E}txt\\n"

    static func record(_ message: String, _ metadata: [String: String]) throws -> LogRecord {
        let sink = Collected()
        Logger(sink: sink).info(message, metadata)
        return try #require(sink.records.first)
    }

    @Test("the text format escapes line breaks, C0/C1 controls, DEL and bidi overrides in the message and values")
    func textEscapes() throws {
        let record = try Self.record("got \(Self.forged)", ["user": Self.forged, "plain": "fine", "spaced": "x level=error"])
        let line = LogFormat.text.render(record)
        #expect(line.hasSuffix("\n"))
        #expect(line.filter { $0 == "\n" }.count == 1, "\(line.debugDescription)")
        #expect(!line.unicodeScalars.dropLast().contains { LogText.isUnsafe($0) }, "\(line.debugDescription)")
        #expect(line.contains(" INFO got ok\\n2026-01-01T00:00:00.000Z ERROR forged line\\r\\u001b[2J\\u001b]0;title\\u0007\\u009b31m\\u007f\\u0085\\u2028\\u202etxt\\\\n "))
        #expect(line.contains(" plain=fine "))
        // A value with a space or '=' is quoted: it cannot pose as another field.
        #expect(line.contains(" spaced=\"x level=error\" "))
        #expect(line.contains(" user=\"ok\\n2026-01-01T00:00:00.000Z ERROR forged line\\r\\u001b[2J"))
        #expect(LogText.field("") == "\"\"")
        #expect(LogText.field("say \"hi\"") == "\"say \\\"hi\\\"\"")
    }

    @Test("the JSON format escapes the same characters and round-trips every value")
    func jsonEscapes() throws {
        let record = try Self.record("got \(Self.forged)", ["user": Self.forged])
        let line = LogFormat.json.render(record)
        #expect(line.filter { $0 == "\n" }.count == 1)
        #expect(!line.unicodeScalars.dropLast().contains { LogText.isUnsafe($0) }, "\(line.debugDescription)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["user"] == Self.forged)
        #expect(object["msg"] == "got \(Self.forged)")
    }
}
