import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import TestSupport
import Testing

@Suite("GitHub client")
struct GitHubClientTests {
    @Test("every request the client sends matches an operation of GitHub's OpenAPI description, with GitHub's headers")
    func requestsMatchOpenAPI() throws {
        let harness = try Harness()
        let fake = harness.fake, client = harness.client
        fake.addPullRequest(number: 7, headSHA: String(repeating: "a", count: 40), labels: ["preview", "needs review"])
        fake.setPermission("alice", "maintain")

        #expect(try client.listOpenPullRequests().map(\.number) == [7])
        let pull = try client.pullRequest(7)
        #expect(pull.head.sha == String(repeating: "a", count: 40))
        #expect(pull.labels.map(\.name) == ["preview", "needs review"])
        let created = try client.createComment(onIssue: 7, body: "hello")
        _ = try client.updateComment(id: created.id, body: "hello again")
        #expect(try client.comments(onIssue: 7).map(\.body) == ["hello again"])
        #expect(try client.deleteComment(id: created.id))
        #expect(try !client.deleteComment(id: created.id), "a comment already gone is not an error")
        let status = try client.createStatus(CommitStatusRequest(sha: pull.head.sha, context: "slipway/pr-7", state: .success,
                                                                 targetURL: "https://pr-7.example.com", description: "Healthy"))
        #expect(status.state == "success")
        let permission = try client.collaboratorPermission("alice")
        #expect(permission.permission == "write" && permission.roleName == "maintain" && permission.canWrite)
        #expect(try client.labels(onIssue: 7).map(\.name) == ["preview", "needs review"])
        #expect(try client.removeLabel("needs review", fromIssue: 7))
        #expect(try !client.removeLabel("needs review", fromIssue: 7))
        #expect(fake.labels(onIssue: 7) == ["preview"])
        #expect(try client.botLogin() == "slipway[bot]")
        #expect(try client.botLogin() == "slipway[bot]", "learned once, then kept")

        let spec = try OpenAPISubset()
        let requests = fake.requests
        #expect(requests.count == 13)
        var seen: Set<String> = []
        for request in requests {
            switch spec.check(request) {
            case .success(let id): seen.insert(id)
            case .failure(let failure): Issue.record("\(failure)")
            }
            #expect(request.headers["Accept"] == "application/vnd.github+json")
            #expect(request.headers["X-GitHub-Api-Version"] == "2022-11-28")
            #expect(request.headers["User-Agent"] == "slipway/9.9.9")
            #expect(request.headers["Authorization"] == "Bearer \(fakeToken)")
        }
        #expect(seen == ["pulls/list", "pulls/get", "issues/create-comment", "issues/update-comment", "issues/list-comments",
                         "issues/delete-comment", "repos/create-commit-status", "repos/get-collaborator-permission-level",
                         "issues/list-labels-on-issue", "issues/remove-label", "users/get-authenticated"])
        // The fields the client reads are GitHub's names.
        #expect(spec.operation("users/get-authenticated")?.responseFields.contains("login") == true)
        #expect(spec.operation("issues/list-comments")?.responseFields.contains("user") == true)
        #expect(spec.schemaFields["nullable-simple-user"]?.contains("login") == true, "a comment's author is user.login")
        // The label name is percent-encoded in the path and decoded by the server.
        #expect(requests.contains { $0.method == "DELETE" && $0.path.hasSuffix("/labels/needs review") })
        #expect(requests.first { $0.path.hasSuffix("/pulls") }?.queryValue("state") == "open")
    }

    @Test("lists follow Link rel=next over several pages")
    func pagination() throws {
        let harness = try Harness(pageSize: 30)
        for number in 1...65 { harness.fake.addPullRequest(number: number, headSHA: String(format: "%040d", number)) }
        for index in 0..<95 { harness.fake.addComment(issue: 3, body: "comment \(index)") }
        let pulls = try harness.client.listOpenPullRequests()
        #expect(pulls.count == 65)
        #expect(Set(pulls.map(\.number)) == Set(1...65))
        let comments = try harness.client.comments(onIssue: 3)
        #expect(comments.map(\.body) == (0..<95).map { "comment \($0)" })
        let pages = harness.fake.requests.map { $0.queryValue("page") ?? "1" }
        #expect(pages == ["1", "2", "3", "1", "2", "3", "4"])
        #expect(harness.fake.requests.allSatisfy { $0.queryValue("per_page") == "30" })
        let spec = try OpenAPISubset()
        for request in harness.fake.requests {
            if case .failure(let failure) = spec.check(request) { Issue.record("\(failure)") }
        }
    }

    @Test("the repository is derived from github.com remote URLs in https, ssh and scp forms")
    func repositoryFromRemote() {
        let cases: [(String, String?)] = [
            ("https://github.com/octo-org/shop.git", "octo-org/shop"),
            ("https://github.com/octo-org/shop", "octo-org/shop"),
            ("https://x-access-token:secret@github.com/octo-org/shop.git", "octo-org/shop"),
            ("git@github.com:octo-org/shop.git", "octo-org/shop"),
            ("ssh://git@github.com/octo-org/shop.git", "octo-org/shop"),
            ("ssh://git@github.com:22/octo-org/my.repo.git", "octo-org/my.repo"),
            ("https://GitHub.com/Octo/Shop/", "Octo/Shop"),
            ("https://gitlab.com/octo-org/shop.git", nil),
            ("git@gitlab.com:octo-org/shop.git", nil),
            ("https://github.com/octo-org", nil),
            ("https://github.com/octo-org/shop/extra", nil),
            ("/srv/git/shop.git", nil),
            ("file:///srv/git/shop.git", nil),
        ]
        for (url, expected) in cases {
            #expect(ForgeRepository(remoteURL: url)?.description == expected, "\(url)")
        }
        #expect(ForgeRepository(remoteURL: "git@ghe.example.com:team/app.git", host: "ghe.example.com")?.description == "team/app")
        #expect(ForgeRepository("octo/shop")?.owner == "octo")
        #expect(ForgeRepository("octo/shop/x") == nil)
        #expect(ForgeRepository("octo/") == nil)
        #expect(ForgeRepository("oc to/shop") == nil)
    }

    @Test("5xx answers are retried with exponential backoff and jitter, bounded in attempts")
    func serverErrorsRetried() throws {
        let harness = try Harness(retry: RetryPolicy(maxAttempts: 5, baseDelay: 0.5, maxDelay: 8, jitter: 0.5))
        harness.fake.addPullRequest(number: 1, headSHA: String(repeating: "b", count: 40))
        harness.fake.failNext([.serverError(status: 500), .serverError(status: 502), .serverError(status: 503)])
        #expect(try harness.client.pullRequest(1).number == 1)
        // random() is 0.5: each wait is 75 % of 0.5 s, 1 s, 2 s.
        #expect(harness.clock.sleeps == [0.375, 0.75, 1.5])
        #expect(harness.fake.requests.count == 4)

        harness.fake.failNext(Array(repeating: .serverError(status: 500), count: 10))
        let error = try #require(throws: ForgeError.self) { try harness.client.pullRequest(1) }
        #expect(error.kind == .serverError(status: 500))
        #expect(harness.fake.requests.count == 9, "five attempts in all")
        #expect(harness.clock.sleeps.count == 7)
        #expect(harness.log.all.filter { $0.message == "forge call failed; retrying" }.count == 7)
    }

    @Test("backoff is bounded by the policy's total wait and its largest delay")
    func backoffBounds() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 1, maxDelay: 4, jitter: 1)
        #expect(policy.backoff(afterAttempt: 1, random: 0) == 0)
        #expect(policy.backoff(afterAttempt: 1, random: 0.999) < 1)
        #expect(policy.backoff(afterAttempt: 8, random: 0.999) < 4)
        let equal = RetryPolicy(baseDelay: 1, maxDelay: 100, jitter: 0.5)
        #expect((1...5).map { equal.backoff(afterAttempt: $0, random: 0) } == [0.5, 1, 2, 4, 8])
    }

    @Test("a connection refused is retried, then reported as a network error")
    func networkErrors() throws {
        let fake = FakeGitHub()
        try fake.start()
        let clock = RecordingClock(), log = MemoryLog()
        let client = try Harness.client(fake, credentials: .token(fakeToken), clock: clock, log: log,
                                        retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.1))
        fake.stop()
        let error = try #require(throws: ForgeError.self) { try client.listOpenPullRequests() }
        #expect(error.kind == .network)
        #expect(clock.sleeps.count == 2)
        #expect(error.description.contains("octo-org/shop"))
    }

    @Test("403 with X-RateLimit-Remaining 0 waits until X-RateLimit-Reset; Retry-After is obeyed; too long a wait fails fast")
    func rateLimits() throws {
        let harness = try Harness()
        harness.fake.addPullRequest(number: 1, headSHA: String(repeating: "c", count: 40))
        let now = Int(harness.clock.now().timeIntervalSince1970)
        harness.fake.failNext([.rateLimit(resetAt: now + 17)])
        #expect(try harness.client.pullRequest(1).number == 1)
        #expect(harness.clock.sleeps == [17])

        harness.fake.failNext([.retryAfter(seconds: 7, status: 429), .retryAfter(seconds: 3, status: 403)])
        #expect(try harness.client.pullRequest(1).number == 1)
        #expect(harness.clock.sleeps == [17, 7, 3])

        // An hour's wait is beyond maxRateLimitWait: fail at once with the time to retry at.
        let later = Int(harness.clock.now().timeIntervalSince1970) + 3600
        harness.fake.failNext([.rateLimit(resetAt: later)])
        let error = try #require(throws: ForgeError.self) { try harness.client.pullRequest(1) }
        #expect(error.kind == .rateLimited(retryAt: Date(timeIntervalSince1970: Double(later))))
        #expect(error.isTransient && !error.isConfigurationError)
        #expect(harness.clock.sleeps == [17, 7, 3], "no wait for a limit too long")
    }
}
