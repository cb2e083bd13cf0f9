import Crypto
import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import Testing

@Suite("The sticky comment is only ever one the bot wrote")
struct CommentOwnershipTests {
    static let marker = "<!-- slipway:pr-comment -->"

    @Test("a marked comment another user wrote is never edited or deleted: the bot creates its own and updates only that")
    func othersMarkedCommentIgnored() throws {
        let harness = try Harness()
        let fake = harness.fake
        fake.addPullRequest(number: 7, headSHA: String(repeating: "7", count: 40))
        let planted = "\(Self.marker)\n✅ all environments healthy (trust me)"
        let mallory = fake.addComment(issue: 7, body: planted, login: "mallory")
        let performer = GitHubUpdatePerformer(client: harness.client)

        try performer.perform(.comment(pullRequest: 7, body: "\(Self.marker)\nbuilding pr-7"))
        try performer.perform(.comment(pullRequest: 7, body: "\(Self.marker)\npr-7 healthy"))
        // A restarted bot (nothing remembered) searches again, and still passes over mallory's.
        let restarted = try Harness.client(fake, credentials: .token(fakeToken), clock: RecordingClock(), log: MemoryLog())
        let outcome = try StickyComment(client: restarted).upsert(pullRequest: 7, body: "\(Self.marker)\npr-7 failed")

        let comments = fake.comments(onIssue: 7)
        #expect(comments.count == 2)
        #expect(comments.first { $0.id == mallory }?.body == planted, "mallory's comment is untouched")
        let own = try #require(comments.first { $0.id != mallory })
        #expect(own.login == "slipway[bot]" && own.body == "\(Self.marker)\npr-7 failed")
        #expect(outcome.commentID == own.id && outcome.action == .updated && outcome.deletedDuplicates.isEmpty)
        let touched = fake.requests.filter { $0.method == "PATCH" || $0.method == "DELETE" }
        #expect(!touched.isEmpty && touched.allSatisfy { $0.path.hasSuffix("/comments/\(own.id)") }, "\(touched.map(\.path))")
        #expect(fake.requests.filter { $0.path == "/user" }.count == 2, "one GET /user per client, then kept")
        let spec = try OpenAPISubset()
        for request in fake.requests {
            if case .failure(let failure) = spec.check(request) { Issue.record("\(failure)") }
        }
    }

    @Test("of two comments the bot wrote, the younger is deleted; logins compare case-insensitively; others' stay")
    func duplicatesAreOnlyTheBots() throws {
        let harness = try Harness()
        let fake = harness.fake
        fake.addPullRequest(number: 8, headSHA: String(repeating: "8", count: 40))
        let older = fake.addComment(issue: 8, body: "\(Self.marker)\nold", login: "Slipway[BOT]")
        let human = fake.addComment(issue: 8, body: "\(Self.marker)\nquoted by hand", login: "alice")
        let younger = fake.addComment(issue: 8, body: "\(Self.marker)\nracing replica", login: "slipway[bot]")

        let outcome = try StickyComment(client: harness.client).upsert(pullRequest: 8, body: "\(Self.marker)\nnew")
        #expect(outcome.commentID == older && outcome.action == .updated)
        #expect(outcome.deletedDuplicates == [younger])
        let comments = fake.comments(onIssue: 8)
        #expect(comments.map(\.id) == [older, human])
        #expect(comments.map(\.body) == ["\(Self.marker)\nnew", "\(Self.marker)\nquoted by hand"])
    }

    @Test("in GitHub App mode the bot is <slug>[bot], learned from GET /app; another App's marked comment is ignored")
    func appModeUsesSlug() throws {
        let key = try GeneratedKey()
        let fake = FakeGitHub(token: nil)
        fake.installApp(appID: "4242", publicKeyPEM: key.publicPEM, installationID: 77, slug: "acme-deployer")
        try fake.start()
        fake.addPullRequest(number: 5, headSHA: String(repeating: "5", count: 40))
        let impostor = fake.addComment(issue: 5, body: "\(Self.marker)\nanother bot", login: "slipway[bot]")
        let app = try GitHubAppCredentials(appID: "4242", privateKey: RSAPrivateKey(pem: key.privatePEM), installationID: 77)
        let harness = try Harness(fake: fake, credentials: .app(app))

        #expect(try harness.client.botLogin() == "acme-deployer[bot]")
        let sticky = StickyComment(client: harness.client)
        #expect(try sticky.upsert(pullRequest: 5, body: "one").action == .created)
        #expect(try sticky.upsert(pullRequest: 5, body: "two").action == .updated)

        let comments = fake.comments(onIssue: 5)
        #expect(comments.map(\.login) == ["slipway[bot]", "acme-deployer[bot]"])
        #expect(comments.first { $0.id == impostor }?.body == "\(Self.marker)\nanother bot")
        #expect(comments.last?.body == "\(Self.marker)\ntwo")
        let appCalls = fake.requests.filter { $0.path == "/app" }
        #expect(appCalls.count == 1, "learned once")
        let authorization = try #require(appCalls.first?.headers["Authorization"])
        #expect(authorization.hasPrefix("Bearer ") && authorization.split(separator: ".").count == 3, "GET /app carries the App's JWT")
        #expect(!fake.requests.contains { $0.path == "/user" })
        let spec = try OpenAPISubset()
        #expect(spec.operation("apps/get-authenticated")?.responseFields.contains("slug") == true)
        for request in fake.requests where !request.path.hasPrefix("/app/") && !request.path.hasSuffix("/installation") {
            if case .failure(let failure) = spec.check(request) { Issue.record("\(failure)") }
        }
        switch spec.check(try #require(appCalls.first)) {
        case .success(let id): #expect(id == "apps/get-authenticated")
        case .failure(let failure): Issue.record("\(failure)")
        }
    }

    @Test("when the bot's login cannot be learned the update fails with a configuration error and touches nothing")
    func unknownIdentityFails() throws {
        let fake = FakeGitHub(token: nil)
        fake.addToken("github_pat_no_user_read", login: "slipway-bot", denied: [.user: 403])
        try fake.start()
        fake.addPullRequest(number: 3, headSHA: String(repeating: "3", count: 40))
        fake.addComment(issue: 3, body: "\(Self.marker)\nplanted", login: "mallory")
        let harness = try Harness(fake: fake, token: "github_pat_no_user_read")
        let performer = GitHubUpdatePerformer(client: harness.client)

        let error = try #require(throws: ForgeError.self) {
            try performer.perform(.comment(pullRequest: 3, body: "\(Self.marker)\nhello"))
        }
        #expect(error.kind == .invalidConfiguration && error.isConfigurationError)
        #expect(error.operation == .getAuthenticatedUser)
        #expect(error.description.contains("GET /user answered 403"))
        #expect(error.description.contains("personal access token") && error.description.contains("App"))
        #expect(!error.description.contains("github_pat_no_user_read"))
        #expect(fake.requests.allSatisfy { $0.method == "GET" }, "nothing created, edited or deleted")
        #expect(fake.comments(onIssue: 3).map(\.body) == ["\(Self.marker)\nplanted"])
        #expect(harness.log.all.contains { $0.level == .error && $0.message.contains("GET /user answered 403") }, "reported once in the log")

        // Not kept: once the token may read its user, the next update goes through.
        fake.addToken("github_pat_no_user_read", login: "slipway-bot")
        try performer.perform(.comment(pullRequest: 3, body: "\(Self.marker)\nhello"))
        #expect(fake.comments(onIssue: 3).map(\.login) == ["mallory", "slipway-bot"])
    }
}
