import Foundation
import Testing
@testable import Git

@Suite("Value types")
struct ValueTests {
    @Test("ObjectID parses 40 hex digits in either case and prints lowercase")
    func objectIDParsing() throws {
        let hex = "0123456789abcdef0123456789abcdef01234567"
        let id = try #require(ObjectID(hex: hex.uppercased()))
        #expect(id.hex == hex)
        #expect(id.description == hex)
        #expect(id.short() == "0123456")
        #expect(ObjectID(rawBytes: id.rawBytes) == id)
        #expect(ObjectID(hex: hex) == id)
        #expect(Set([id, ObjectID(hex: hex)!]).count == 1)
        for bad in ["", String(hex.dropLast()), hex + "0", "g" + hex.dropFirst(), " " + hex.dropFirst()] {
            #expect(ObjectID(hex: bad) == nil, "\(bad)")
        }
        let low = try #require(ObjectID(hex: "00" + String(repeating: "f", count: 38)))
        let high = try #require(ObjectID(hex: "01" + String(repeating: "0", count: 38)))
        #expect(low < high)
    }

    @Test("credentials never show the password in descriptions or reflection")
    func credentialsRedacted() {
        let credentials = GitCredentials.token("ghs_supersecret123")
        #expect(credentials.username == "x-access-token")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [credentials.description, String(describing: credentials), String(reflecting: credentials), dumped, "\(credentials)"] {
            #expect(!text.contains("supersecret"), "\(text)")
        }
        #expect(credentials.description.contains("x-access-token"))
    }

    @Test("server push statuses are classified as non-fast-forward or rejected")
    func pushStatusClassification() {
        #expect(Repository.kind(ofPushStatus: "non-fast-forward") == .nonFastForward)
        #expect(Repository.kind(ofPushStatus: "fetch first") == .nonFastForward)
        #expect(Repository.kind(ofPushStatus: "rejected (non-fast-forward)") == .nonFastForward)
        #expect(Repository.kind(ofPushStatus: "pre-receive hook declined") == .rejected)
        #expect(Repository.kind(ofPushStatus: "protected branch hook declined") == .rejected)
    }

    @Test("passwords embedded in URLs are cut out of error messages")
    func urlPasswordsRedacted() {
        #expect(redactingURLPasswords("failed to reach https://bot:hunter2@git.example/repo.git: 500")
                == "failed to reach https://bot:***@git.example/repo.git: 500")
        #expect(redactingURLPasswords("see https://git.example/a@b and user@host") == "see https://git.example/a@b and user@host")
    }

    @Test("GitError describes the function, kind, code and message")
    func errorDescription() {
        let error = GitError(function: "git_remote_push", code: -11, errorClass: 7, message: "cannot push", kind: .nonFastForward)
        #expect(error.description == "git_remote_push failed (nonFastForward, code -11, class 7): cannot push")
    }
}
