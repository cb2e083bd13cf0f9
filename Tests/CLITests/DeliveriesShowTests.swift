import CLITestSupport
import Foundation
import Store
import Testing
import TestSupport

@Suite("slipway deliveries show redaction")
struct DeliveriesShowTests {
    static let webhookSecret = "whsec/0123456789+abcdef"
    static let tokens = [
        "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghp_" + String(repeating: "Ab9", count: 12),
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "github_pat_11ABCDEFG0123456789abc_" + String(repeating: "Zz9", count: 20),
        "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjM0NSJ9.c2lnbmF0dXJlLWJ5dGVz",
    ]

    /// A work directory whose SQLite store journals one delivery that leaks tokens and the
    /// webhook secret (raw, base64 and percent-encoded) in its body and headers.
    static func journal() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.child("state.db"))
        let base64Secret = Data("user:\(webhookSecret)".utf8).base64EncodedString()
        var fields = tokens.enumerated().map { "\"t\($0.offset)\": \"\($0.element)\"" }
        fields.append("\"secret\": \"\(webhookSecret)\"")
        fields.append("\"basic\": \"\(base64Secret)\"")
        fields.append("\"url\": \"https://x.test/?s=\(webhookSecret.replacingOccurrences(of: "/", with: "%2F").replacingOccurrences(of: "+", with: "%2B"))\"")
        let body = Data("{\"action\": \"opened\", \(fields.joined(separator: ", "))}".utf8)
        _ = try store.journal(NewDelivery(
            id: "leaky-1", event: "issues", receivedAt: Date(), contentType: "application/json",
            headers: ["User-Agent": "GitHub-Hookshot/1", "X-Debug-Token": tokens[0]], body: body
        ))
        return dir
    }

    @Test("token-shaped strings are redacted even without the secret files", arguments: [[], ["--json"]])
    func withoutSecretFiles(format: [String]) throws {
        let dir = try Self.journal()
        let shown = runCLI(["deliveries", "show", "leaky-1", "--work-dir", dir.path] + format)
        #expect(shown.code == 0, "\(shown.err)")
        #expect(shown.out.contains("opened"))
        for token in Self.tokens {
            #expect(!shown.out.contains(token), "\(token) leaked:\n\(shown.out)")
        }
        #expect(!shown.out.contains("ghs_16C7") && !shown.out.contains("github_pat_11") && !shown.out.contains("eyJhbGciOiJSUzI1NiJ9"))
        #expect(shown.out.contains("***"))
    }

    @Test("with the webhook secret file, the secret is redacted in every encoding too", arguments: [[], ["--json"]])
    func withSecretFile(format: [String]) throws {
        let dir = try Self.journal()
        let secretFile = try dir.write("secret", Self.webhookSecret + "\n")
        let shown = runCLI(["deliveries", "show", "leaky-1", "--work-dir", dir.path, "--webhook-secret-file", secretFile] + format)
        #expect(shown.code == 0, "\(shown.err)")
        #expect(!shown.out.contains(Self.webhookSecret), "\(shown.out)")
        // "user:" is 5 bytes: the secret's base64 starts after the 7th character.
        #expect(shown.out.contains("dXNlcjp***"), "the secret's base64 leaked:\n\(shown.out)")
        #expect(!shown.out.contains("0123456789%2Babcdef"), "the secret percent-encoded leaked:\n\(shown.out)")
        for token in Self.tokens {
            #expect(!shown.out.contains(token))
        }
    }
}
