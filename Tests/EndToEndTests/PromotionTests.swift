import Demo
import FakeGitHub
import Foundation
import SlipwayCore
import Server
import Store
import Testing
import TestSupport

/// Production moves only by an approved promotion pull request: through the real bot, a real
/// repository and the fake GitHub.
@Suite("Promotion by PR label, end to end")
struct PromotionTests {
    static func deliverAndWait(_ s: DemoScenario, _ body: Data, event: String = "pull_request") throws {
        ProvenanceTests.expectDelivered(try s.deliverAndWait(event: event, body))
    }

    /// Reconciles (as the periodic tick would), keeping the fake GitHub's branches current.
    static func tick(_ s: DemoScenario) throws {
        try s.syncForgeBranches()
        _ = try s.bot.reconciler?.reconcile(trigger: "test")
    }

    @Test("a healthy staging opens the promotion PR; a stranger's label is removed; an approver's ships exactly that head; a direct push is not deployed")
    func promotion() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-promote")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: testLogger())
        defer { s.shutdown() }
        let main = try s.repository.head("main")
        try s.waitFor("staging", .healthy, sha: main)

        // The bot starts the production branch and keeps one promotion PR open.
        let pr = try Eventually.value(of: "the promotion pull request", timeout: 60, interval: 0.2) { () -> FakeGitHub.PullRequest? in
            try Self.tick(s)
            return s.forge.pullRequests.first { $0.baseRef == "production" && $0.headRef == "main" && $0.state == "open" }
        }
        #expect(pr.title.hasPrefix("Promote staging ("))
        #expect(pr.body.contains("<!-- slipway:promotion -->"))
        #expect(pr.body.contains("@octocat"))
        #expect(s.forge.pullRequests.filter { $0.baseRef == "production" && $0.state == "open" }.count == 1)
        let head = pr.headSHA

        // A stranger labels it: the label is removed and the comment says who may approve.
        s.forge.addLabel(issue: pr.number, "promote", by: "mallory")
        try Self.deliverAndWait(s, s.payloads.pullRequest(action: "labeled", number: pr.number, headSHA: head, headRef: "main", sender: "mallory",
                                                          author: pr.author, labels: ["promote"], label: "promote", baseRef: "production"))
        try Eventually.wait(for: "the stranger's label to be removed", timeout: 30) { !s.forge.labels(onIssue: pr.number).contains("promote") }
        let refused = try s.waitForComment(on: pr.number) { $0.contains("may not approve") }
        #expect(refused.contains("@octocat"))
        try Self.tick(s)
        #expect(try s.repository.head("production") != head, "nothing shipped")

        // The approver labels it at its head: production's branch moves to exactly that head and
        // production deploys it.
        s.forge.addLabel(issue: pr.number, "promote", by: "octocat")
        try Self.deliverAndWait(s, s.payloads.pullRequest(action: "labeled", number: pr.number, headSHA: head, headRef: "main", sender: "octocat",
                                                          author: pr.author, labels: ["promote"], label: "promote", baseRef: "production"))
        try Eventually.wait(for: "production's branch to move to the approved head", timeout: 60, interval: 0.2) {
            try Self.tick(s)
            return try s.repository.head("production") == head
        }
        let production = try s.waitFor("production", .healthy, sha: head)
        #expect(try s.fetch(try #require(production.url)).0 == 200)
        let promotion = try #require(try s.store.approvedPromotions()["production"])
        #expect(promotion.sha == head)
        #expect(promotion.approvers == ["octocat"])
        #expect(promotion.gates.allSatisfy { $0.state == .passed })
        try Eventually.wait(for: "a success status for production", timeout: 30) {
            s.forge.statuses(sha: head).contains { $0.context == "slipway/production" && $0.state == "success" }
        }

        // Someone pushes straight to production: not deployed, reported on the commit.
        let direct = try s.repository.commit("production", ["hotfix.txt": "quick fix\n"], message: "Hotfix without review")
        try Self.deliverAndWait(s, s.payloads.push(branch: "production", before: head, after: direct), event: "push")
        try Eventually.wait(for: "the unapproved push to be reported", timeout: 30) {
            s.forge.statuses(sha: direct).contains { $0.context == "slipway/production" && $0.state == "error" }
                && !s.forge.commitComments(sha: direct).isEmpty
        }
        #expect(try s.store.environment(named: "production")?.sha == head)
        #expect(try s.store.pendingJobs().allSatisfy { $0.environment != "production" })
    }

    @Test("a promotion PR opened by hand is adopted, and its author's own label never counts")
    func authorNeverCounts() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-author")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding)
        defer { s.shutdown() }
        let main = try s.repository.head("main")
        try s.waitFor("staging", .healthy, sha: main)
        // octocat (an approver) opens the promotion PR by hand, before the bot does.
        s.forge.addPullRequest(number: 77, title: "Ship it", headSHA: main, headRef: "main", baseRef: "production", author: "octocat")
        let pr = try Eventually.value(of: "the adopted promotion pull request", timeout: 60, interval: 0.2) { () -> FakeGitHub.PullRequest? in
            try Self.tick(s)
            return s.forge.pullRequest(77).flatMap { $0.body.contains("<!-- slipway:promotion -->") ? $0 : nil }
        }
        #expect(s.forge.pullRequests.filter { $0.baseRef == "production" && $0.state == "open" }.count == 1, "adopted, not duplicated")
        s.forge.addLabel(issue: 77, "promote", by: "octocat")
        try Self.deliverAndWait(s, s.payloads.pullRequest(action: "labeled", number: 77, headSHA: pr.headSHA, headRef: "main", sender: "octocat",
                                                          author: "octocat", labels: ["promote"], label: "promote", baseRef: "production"))
        let refused = try s.waitForComment(on: 77) { $0.contains("never approves their own promotion") }
        #expect(refused.contains("@octocat opened this pull request"))
        try Eventually.wait(for: "the author's label to be removed", timeout: 30) { !s.forge.labels(onIssue: 77).contains("promote") }
        try Self.tick(s)
        #expect(try s.store.approvedPromotions()["production"] == nil)
        #expect(try s.repository.head("production") != pr.headSHA)
    }

    @Test("an approving review's webhook wakes the evaluation: the promotion ships without waiting for a tick")
    func reviewWebhookShips() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-review")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding)
        defer { s.shutdown() }
        let main = try s.repository.head("main")
        try s.waitFor("staging", .healthy, sha: main)
        let pr = try s.waitForPromotionPullRequest()
        _ = s.forge.addReview(pr: pr.number, login: "octocat", state: "APPROVED", commitID: pr.headSHA)
        try Self.deliverAndWait(s, s.payloads.pullRequestReview(number: pr.number, headSHA: pr.headSHA, headRef: "main", baseRef: "production",
                                                                reviewer: "octocat", author: pr.author), event: "pull_request_review")
        // No tick from here on: the delivery alone gets it shipped.
        try Eventually.wait(for: "the approved head on production's branch", timeout: 60, interval: 0.1) {
            try s.repository.head("production") == pr.headSHA
        }
        try s.waitFor("production", .healthy, sha: pr.headSHA)
        #expect(try s.store.approvedPromotions()["production"]?.approvers == ["octocat"])
    }

    @Test("a fork's branch named like the source ('mallory:main' into production) is never a promotion PR, whoever labels it")
    func forkIsNoPromotion() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-forkpromo")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: testLogger())
        defer { s.shutdown() }
        try s.waitFor("staging", .healthy, sha: try s.repository.head("main"))
        let forkHead = try s.repository.commit("mallory-main", ["app/index.html": DemoScenario.page("pwned")], message: "Looks harmless")
        try s.repository.setPullHead(88, forkHead)
        s.forge.addPullRequest(number: 88, headSHA: forkHead, headRef: "main", baseRef: "production", author: "mallory",
                               labels: ["promote"], headRepository: "mallory/app")
        try Self.tick(s)
        try Self.deliverAndWait(s, s.payloads.pullRequest(action: "labeled", number: 88, headSHA: forkHead, headRef: "main", sender: "octocat",
                                                          author: "mallory", headRepository: "mallory/app", labels: ["promote"],
                                                          label: "promote", baseRef: "production"))
        // The bot keeps its own promotion PR (from this repository's main) and leaves the fork's alone.
        let own = try s.waitForPromotionPullRequest()
        #expect(own.number != 88)
        for _ in 0..<5 { try Self.tick(s) }
        #expect(try s.store.approvalSignals(pullRequest: 88).isEmpty)
        #expect(try s.store.approvedPromotions()["production"] == nil)
        #expect(try s.repository.head("production") != forkHead)
        #expect(s.forge.pullRequest(88)?.body.contains("<!-- slipway:promotion -->") != true, "the fork's PR is not adopted")
    }
}
