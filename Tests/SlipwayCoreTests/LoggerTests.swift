import Foundation
import SlipwayCore
import Testing

final class Collected: LogSink, @unchecked Sendable {
    let lock = NSLock()
    var records: [LogRecord] = []
    func emit(_ record: LogRecord) { lock.lock(); records.append(record); lock.unlock() }
}

@Suite("Structured logging")
struct LoggerTests {
    @Test("timestamps are ISO 8601 UTC with milliseconds and agree with Foundation", arguments: [
        0.0, 951_782_400.5, 1_700_000_000.123, 4_102_444_799.999, -86_400.25, 1_582_934_400.0,
    ])
    func timestamps(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        #expect(LogFormat.timestamp(date) == formatter.string(from: date))
    }

    @Test("json lines carry the message and metadata; secrets are redacted everywhere")
    func jsonAndRedaction() throws {
        let sink = Collected()
        let logger = Logger(sink: sink, redactor: Redactor(secrets: ["hunter2-secret"]))
            .with(["delivery.id": "abc"])
        logger.info("sent hunter2-secret", ["token": "x hunter2-secret y", "quote": "a\"b\n"])
        logger.debug("dropped")
        #expect(sink.records.count == 1)
        let line = LogFormat.json.render(sink.records[0])
        #expect(!line.contains("hunter2"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["msg"] == "sent ***")
        #expect(object["delivery.id"] == "abc")
        #expect(object["token"] == "x *** y")
        #expect(object["quote"] == "a\"b\n")
        #expect(object["level"] == "info")
        #expect(LogFormat.text.render(sink.records[0]).contains("INFO sent *** delivery.id=abc"))
    }

    @Test("short values are not treated as secrets")
    func shortSecrets() {
        let redactor = Redactor(secrets: ["ab", "", "abcd"])
        #expect(redactor.redact("ab abcd") == "ab ***")
    }
}

extension LoggerTests {
    @Test("URLs lose their credentials, and nothing else", arguments: [
        ("postgres://bot:hunter2@db:5432/x", "postgres://bot:***@db:5432/x"),
        ("https://ghp_abcdefgh@github.com/o/r.git", "https://***@github.com/o/r.git"),
        ("https://x-access-token:tok@github.com/o/r", "https://x-access-token:***@github.com/o/r"),
        ("https://github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://github.com/o/r@v1", "https://github.com/o/r@v1"),
        ("/srv/git/app.git", "/srv/git/app.git"),
    ])
    func urlCredentials(input: String, expected: String) {
        #expect(Redactor.maskingURLCredentials(input) == expected)
    }

    @Test("a secret learned later is masked by every copy of the redactor, the logger's too; the learned set stays bounded")
    func learnedSecrets() {
        var redactor = Redactor(secrets: ["static-secret"])
        redactor.learned = LearnedSecrets(limit: 3)
        let copy = redactor
        let sink = Collected()
        let logger = Logger(sink: sink, redactor: redactor)
        redactor.learned?.add("ghs_token_one")
        #expect(copy.redact("a ghs_token_one static-secret") == "a *** ***")
        logger.info("using ghs_token_one")
        #expect(sink.records.last?.message == "using ***")
        for index in 2...5 { copy.learned?.add("ghs_token_\(index)") }
        #expect(copy.learned?.secrets.count == 3)
        #expect(copy.redact("ghs_token_one ghs_token_5") == "ghs_token_one ***", "the oldest is dropped")
        #expect(copy == redactor && copy != Redactor(secrets: ["static-secret"]))
    }
}
