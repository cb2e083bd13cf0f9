import Foundation
import SlipwayCore
import Testing

@Suite("Redaction in every encoding")
struct RedactorTests {
    /// Has bytes whose base64 holds `+` and `/`, a quote, a backslash, a slash, a control
    /// character, non-ASCII and characters percent-encoding must escape.
    static let secret = "p4ss/w\u{00F6}rd\"\\?~>>?\n\u{1}\u{00FB}\u{00FF}"

    /// The base64 characters of `blob` that encode only bytes `from..<from + count` (computed from
    /// bit positions, independently of the redactor).
    static func stableRange(from: Int, count: Int) -> Range<Int> {
        let first = (8 * from + 5) / 6
        let end = 8 * (from + count) / 6
        return first..<end
    }

    @Test("base64 and base64url of a secret are masked at every offset inside a larger blob", arguments: 0..<6)
    func base64Alignments(prefixLength: Int) throws {
        let redactor = Redactor(secrets: [Self.secret])
        let secret = Data(Self.secret.utf8)
        let blob = Data(repeating: 0xA5, count: prefixLength) + secret + Data("trailing bytes".utf8)
        let standard = blob.base64EncodedString()
        let url = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(standard.contains("+") || standard.contains("/"), "the fixture should exercise the alphabets' difference")
        let range = Self.stableRange(from: prefixLength, count: secret.count)
        for encoded in [standard, url] {
            let characters = Array(encoded)
            let expected = String(characters[..<range.lowerBound]) + "***" + String(characters[range.upperBound...])
            #expect(redactor.redact("blob=\(encoded);") == "blob=\(expected);", "prefix \(prefixLength): \(encoded)")
        }
    }

    @Test("a secret that is the whole base64 value is masked but for its padded end")
    func base64Whole() {
        let secret = "hunter2-secret-value"
        let encoded = Data(secret.utf8).base64EncodedString()
        let redacted = Redactor(secrets: [secret]).redact("Authorization: Basic \(encoded)")
        #expect(redacted.hasPrefix("Authorization: Basic ***"))
        // At most the last partial group (2 characters and padding) stays.
        #expect(redacted.count <= "Authorization: Basic ***".count + 3, "\(redacted)")
    }

    @Test("percent-encoded forms are masked with upper and lower hex digits, and as form data")
    func percentEncoding() throws {
        let redactor = Redactor(secrets: [Self.secret])
        let upper = try #require(Self.secret.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn:
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")))
        #expect(upper.contains("%2F") && upper.contains("%C3%B6"))
        var lower = ""
        var rest = Substring(upper)
        while let percent = rest.firstIndex(of: "%") {
            lower += rest[..<percent] + "%" + rest[rest.index(after: percent)...].prefix(2).lowercased()
            rest = rest[rest.index(percent, offsetBy: 3)...]
        }
        lower += rest
        #expect(lower != upper)
        for encoded in [upper, lower] {
            #expect(redactor.redact("https://x.test/cb?token=\(encoded)&next=1") == "https://x.test/cb?token=***&next=1")
        }
        let spaced = "correct horse battery staple"
        #expect(Redactor(secrets: [spaced]).redact("pw=correct+horse+battery+staple&x") == "pw=***&x")
        #expect(Redactor(secrets: [spaced]).redact("pw=correct%20horse%20battery%20staple&x") == "pw=***&x")
    }

    @Test("JSON-escaped forms are masked as Foundation's encoders write them")
    func jsonEscaping() throws {
        let redactor = Redactor(secrets: [Self.secret])
        let serialized = try JSONSerialization.data(withJSONObject: ["k": Self.secret])
        let unescapedSlashes = try JSONSerialization.data(withJSONObject: ["k": Self.secret], options: .withoutEscapingSlashes)
        let encoder = JSONEncoder()
        let encoded = try encoder.encode(["k": Self.secret])
        for data in [serialized, unescapedSlashes, encoded] {
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("\\\"") && text.contains("\\\\") && text.contains("\\n"), "\(text)")
            #expect(redactor.redact(text) == "{\"k\":\"***\"}", "\(text)")
        }
        // ASCII-only encoders (Python's json.dumps) write \u escapes, in either case.
        let asciiOnly = "p4ss\\/w\\u00f6rd\\\"\\\\?~>>?\\n\\u0001\\u00fb\\u00ff"
        #expect(redactor.redact("{\"k\": \"\(asciiOnly)\"}") == "{\"k\": \"***\"}")
        let asciiOnlyUpper = "p4ss\\/w\\u00F6rd\\\"\\\\?~>>?\\n\\u0001\\u00FB\\u00FF"
        #expect(redactor.redact("{\"k\": \"\(asciiOnlyUpper)\"}") == "{\"k\": \"***\"}")
        // Go's HTML-safe escaping.
        let html = "a<b>&c-secret"
        #expect(Redactor(secrets: [html]).redact("{\"k\":\"a\\u003cb\\u003e\\u0026c-secret\"}") == "{\"k\":\"***\"}")
    }

    @Test("hex forms are masked in lower and upper case")
    func hex() {
        let secret = "hunter2-secret"
        let lower = Data(secret.utf8).map { String(format: "%02x", $0) }.joined()
        let redactor = Redactor(secrets: [secret])
        #expect(redactor.redact("key=\(lower).") == "key=***.")
        #expect(redactor.redact("key=\(lower.uppercased()).") == "key=***.")
    }

    @Test("short and empty secrets are ignored and never mask ordinary text")
    func shortSecrets() {
        let redactor = Redactor(secrets: ["", " ", "a", "ab", "abc", "   xy  "])
        #expect(redactor.secrets.isEmpty)
        #expect(redactor.patterns.isEmpty)
        let text = "a b ab abc YWJj 616263 xy"
        #expect(redactor.redact(text) == text)
        let four = Redactor(secrets: ["abcd"])
        #expect(four.patterns.allSatisfy { $0 == Array("abcd".utf8) || $0.count >= Redactor.minimumEncodedLength })
        // abcd's base64 fragments (YWJjZA, WJjZ...) are too short to look for; its hex is not.
        #expect(four.redact("YWJjZA== 61626364 abcd") == "YWJjZA== *** ***")
        #expect(Redactor(secrets: ["  padded-secret  "]).redact("x padded-secret y") == "x *** y")
    }

    @Test("a secret inside another is masked whole, and text without secrets comes back as is")
    func overlapping() {
        let redactor = Redactor(secrets: ["hunter2", "hunter2-secret-value"])
        #expect(redactor.redact("a hunter2-secret-value b hunter2 c") == "a *** b *** c")
        let large = String(repeating: "ordinary log line with nothing to hide 0123456789\n", count: 20_000)
        #expect(redactor.redact(large) == large)
    }
}

@Suite("Redaction of token shapes")
struct TokenShapeRedactionTests {
    static let gitHubTokens = [
        "ghp_" + String(repeating: "A1b2", count: 9),
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghu_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498",
        "github_pat_11ABCDEFG0123456789abc_" + String(repeating: "Zz9", count: 20),
    ]
    static let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ."
        + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

    @Test("GitHub tokens and JWTs are masked when token shapes are on, and only then", arguments: gitHubTokens + [jwt])
    func masked(token: String) {
        let text = "Authorization: Bearer \(token)\nurl=https://x-access-token:\(token)@github.com/o/r \"\(token)\""
        #expect(Redactor(redactTokenShapes: true).redact(text)
            == "Authorization: Bearer ***\nurl=https://x-access-token:***@github.com/o/r \"***\"")
        #expect(Redactor().redact(text) == text)
    }

    @Test("text that only looks a little like a token is left alone", arguments: [
        "ghp_short", "the ghp_ prefix", "github_pat_tooShort", "eyJhbGciOiJIUzI1NiJ9 alone", "eyJ.a.b",
        "gh_pages_branch_is_fine_here", "eyJhbGciOiJIUzI1NiJ9. Next sentence.", "ghost_of_a_token_name_longer_than_20",
    ])
    func leftAlone(text: String) {
        #expect(Redactor(redactTokenShapes: true).redact(text) == text)
    }

    @Test("an unsigned JWT (empty signature) is masked")
    func unsignedJWT() {
        let text = "t=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. done"
        #expect(Redactor(redactTokenShapes: true).redact(text) == "t=*** done")
    }

    @Test("text like eyJeyJeyJ... is scanned in linear time and left alone")
    func pathological() {
        let text = String(repeating: "eyJ", count: 30_000) + " " + String(repeating: "gh", count: 30_000) + " "
            + String(repeating: "ghp_x-", count: 30_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(Redactor(redactTokenShapes: true).redact(text) == text) }
        // Quadratic scanning would take minutes here; linear takes well under a second even in debug.
        #expect(elapsed < .seconds(20), "took \(elapsed)")
    }
}

@Suite("Redaction of streams")
struct StreamingRedactionTests {
    static let secret = "s3cr3t/value?with+stuff"

    static var text: String {
        let base64 = (Data("xy".utf8) + Data(secret.utf8) + Data("z".utf8)).base64EncodedString()
        let hex = Data(secret.utf8).map { String(format: "%02X", $0) }.joined()
        return "start \(secret) mid \(base64) json {\"s\":\"s3cr3t\\/value?with+stuff\"} hex \(hex) "
            + "token \(TokenShapeRedactionTests.gitHubTokens[0]) jwt \(TokenShapeRedactionTests.jwt) pct s3cr3t%2Fvalue%3Fwith%2Bstuff "
            + "end eyJ gh ghp_ e g"
    }

    @Test("feeding a stream in pieces of any size gives the same output as redacting it whole", arguments: [1, 2, 3, 5, 7, 16, 64, 1000])
    func pieces(size: Int) {
        let redactor = Redactor(secrets: [Self.secret], redactTokenShapes: true)
        let bytes = Array(Self.text.utf8)
        var pending: [UInt8] = []
        var output: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            pending += bytes[offset..<min(offset + size, bytes.count)]
            offset += size
            let (piece, consumed) = redactor.redact(pending, final: false)
            output += piece
            pending.removeFirst(consumed)
            #expect(pending.count <= 200, "held back \(pending.count) bytes")
        }
        let (rest, consumed) = redactor.redact(pending, final: true)
        #expect(consumed == pending.count)
        output += rest
        let whole = redactor.redact(Self.text)
        #expect(String(decoding: output, as: UTF8.self) == whole)
        #expect(!whole.contains("s3cr3t") && !whole.contains("ghp_A") && !whole.contains("eyJhbGci"), "\(whole)")
        #expect(whole.hasSuffix("end eyJ gh ghp_ e g"))
    }

    @Test("a stream never holds back more than the longest match can need")
    func boundedHoldBack() {
        let redactor = Redactor(secrets: [Self.secret], redactTokenShapes: true)
        let endless = Array(("ghp_" + String(repeating: "a", count: 40_000)).utf8)
        let (output, consumed) = redactor.redact(endless, final: false)
        #expect(endless.count - consumed <= TokenShape.maximumLength)
        #expect(String(decoding: output, as: UTF8.self).hasPrefix("***"))
    }
}
