import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import TestSupport
import Testing

@Suite("Refusals and secrets")
struct PermissionTests {
    @Test("a token without a permission gives one clear error naming the repository, the operation and the permission")
    func missingPermission() throws {
        let fake = FakeGitHub()
        let weakToken = "github_pat_11AAAAAAA0weaktokenvalue987654321"
        fake.addToken(weakToken, denied: [.issues: 403, .statuses: 404])
        try fake.start()
        let harness = try Harness(fake: fake, token: weakToken)
        for _ in 0..<3 {
            let error = try #require(throws: ForgeError.self) { try harness.client.createComment(onIssue: 7, body: "x") }
            #expect(error.kind == .forbidden)
            #expect(error.isConfigurationError)
            #expect(error.description.contains("octo-org/shop"))
            #expect(error.description.contains("create a comment on a pull request"))
            #expect(error.description.contains("\"issues: write\""))
        }
        let statusError = try #require(throws: ForgeError.self) {
            try harness.client.createStatus(CommitStatusRequest(sha: String(repeating: "d", count: 40), context: "slipway/pr-7", state: .pending, description: "Building"))
        }
        #expect(statusError.kind == .notFound)
        #expect(statusError.description.contains("\"statuses: write\""))
        #expect(harness.fake.requests.count == 4, "configuration errors are not retried")
        #expect(harness.clock.sleeps.isEmpty)

        // Reported once per operation, however often it fails.
        let reported = harness.log.all.filter { $0.level == .error }
        #expect(reported.count == 2)
        #expect(reported.first?.metadata["forge.permission"] == "issues: write")
        #expect(harness.client.reporter.reported.map(\.operation) == [.createComment, .createStatus])

        #expect(try harness.client.listOpenPullRequests().isEmpty, "scopes not denied still work")
        for text in [harness.log.text] + harness.client.reporter.reported.map(\.description) {
            #expect(!text.contains(weakToken))
        }
    }

    @Test("an unknown token is a 401 configuration error, reported once, and the token never appears anywhere")
    func badToken() throws {
        let secret = "ghp_THIS_IS_A_SECRET_TOKEN_VALUE_42"
        let harness = try Harness(token: secret)
        harness.fake.addPullRequest(number: 7, headSHA: String(repeating: "e", count: 40))
        var errors: [ForgeError] = []
        for _ in 0..<3 {
            errors.append(try #require(throws: ForgeError.self) { try harness.client.listOpenPullRequests() })
        }
        #expect(errors.allSatisfy { $0.kind == .unauthorized })
        #expect(harness.log.all.filter { $0.level == .error }.count == 1)
        #expect(errors[0].description.contains("invalid, expired or revoked"))
        let everything = errors.map(\.description).joined() + errors.map { "\($0)" }.joined() + harness.log.text
        #expect(!everything.contains(secret))
    }

    @Test("a secret the client holds is masked in comment bodies, status descriptions and echoed messages")
    func secretsMaskedInOutput() throws {
        let harness = try Harness()
        harness.fake.addPullRequest(number: 7, headSHA: String(repeating: "f", count: 40))
        _ = try harness.client.createComment(onIssue: 7, body: "leaked \(fakeToken) here")
        _ = try harness.client.createStatus(CommitStatusRequest(sha: String(repeating: "f", count: 40), context: "slipway/pr-7",
                                                                state: .failure, description: "bad \(fakeToken)"))
        #expect(harness.fake.comments(onIssue: 7).map(\.body) == ["leaked *** here"])
        #expect(harness.fake.statuses(sha: String(repeating: "f", count: 40)).map(\.description) == ["bad ***"])
        for request in harness.fake.requests {
            #expect(!String(decoding: request.body, as: UTF8.self).contains(fakeToken))
        }
    }

    @Test("a token is read from the token file, else from SLIPWAY_FORGE_TOKEN, and a missing file says which")
    func tokenSources() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/token"
        try "  ghp_from_file_123456 \n".write(toFile: path, atomically: true, encoding: .utf8)
        guard case .token(let fromFile)? = try ForgeCredentials.token(file: path, environment: ["SLIPWAY_FORGE_TOKEN": "other"]) else {
            Issue.record("no token"); return
        }
        #expect(fromFile == "ghp_from_file_123456")
        guard case .token(let fromEnvironment)? = try ForgeCredentials.token(file: nil, environment: ["SLIPWAY_FORGE_TOKEN": "ghp_env_987654"]) else {
            Issue.record("no token"); return
        }
        #expect(fromEnvironment == "ghp_env_987654")
        #expect(try ForgeCredentials.token(file: nil, environment: [:]) == nil)
        let error = try #require(throws: ForgeError.self) { try ForgeCredentials.token(file: path + ".missing", environment: [:]) }
        #expect(error.description.contains("token.missing"))
        #expect(ForgeCredentials.token("ghp_x1234567").description == "token")
    }
}
