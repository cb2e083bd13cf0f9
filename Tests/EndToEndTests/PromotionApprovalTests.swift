import CLITestSupport
import Demo
import FakeGitHub
import Foundation
import Git
import Server
import SlipwayCore
import Store
import Testing
import TestSupport

/// Approvals by review, the healthy-on-source gate, GitHub Deployments and rollback with pins,
/// through the real bot and the fake GitHub.
@Suite("Promotion: approvals, gates, deployments, rollback")
struct PromotionApprovalTests {
    static func push(_ s: DemoScenario, _ files: [String: String], message: String) throws -> String {
        let before = try s.repository.head("main")
        let after = try s.repository.commit("main", files, message: message)
        try PromotionTests.deliverAndWait(s, s.payloads.push(branch: "main", before: before, after: after), event: "push")
        return after
    }

    static func body(_ s: DemoScenario, _ number: Int) -> String { s.forge.pullRequest(number)?.body ?? "" }

    /// Whether `sha` is `commit` or a descendant: the bot's own docs commit may land on top of a
    /// push (same code), and then that is what main, the PR and the environments carry.
    static func isAtOrAfter(_ s: DemoScenario, _ sha: String?, _ commit: String) throws -> Bool {
        guard let sha, let id = ObjectID(hex: sha), let base = ObjectID(hex: commit) else { return false }
        return try s.repository.repository.isAncestor(base, of: id)
    }

    /// Waits until `environment` is in `status` at `commit` or the bot's docs commit on top of it.
    @discardableResult
    static func waitFor(_ s: DemoScenario, _ environment: String, _ status: EnvironmentStatus, atOrAfter commit: String) throws -> EnvironmentRecord {
        try Eventually.value(of: "\(environment) \(status.rawValue) at \(commit.prefix(7)) or after", timeout: 180, interval: 0.05) {
            guard let env = try s.store.environment(named: environment), env.status == status, try isAtOrAfter(s, env.sha, commit) else { return nil }
            return env
        }
    }

    /// `login` approves the PR at `commit`, and GitHub sends the `pull_request_review` webhook.
    static func review(_ s: DemoScenario, _ pr: FakeGitHub.PullRequest, by login: String, at commit: String) throws {
        _ = s.forge.addReview(pr: pr.number, login: login, state: "APPROVED", commitID: commit)
        try PromotionTests.deliverAndWait(s, s.payloads.pullRequestReview(number: pr.number, headSHA: commit, headRef: "main", baseRef: "production",
                                                                          reviewer: login, commitID: commit, author: pr.author),
                                          event: "pull_request_review")
    }

    @Test("2 of 3 distinct approvers at the current head; a head that failed on staging is refused; deployments; rollback pins until unpinned")
    func approvalsGatesRollback() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-approve")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: testLogger())
        defer { s.shutdown() }
        let main0 = try s.repository.head("main")
        try s.waitFor("staging", .healthy, sha: main0)
        let production = try String(contentsOfFile: exampleApp + "/environments/production.yaml", encoding: .utf8)
        let build = try String(contentsOfFile: exampleApp + "/build.sh", encoding: .utf8)

        // Policy on main: two of three approvers. (Staging's code does not change: no redeploy.)
        let main1 = try Self.push(s, ["environments/production.yaml": production.replacingOccurrences(
            of: "approvers: [octocat]", with: "approvers: [octocat, hubot, dana]\n  required: 2")], message: "Two approvers for production")
        let pr = try Eventually.value(of: "the promotion pull request", timeout: 60, interval: 0.2) { () -> FakeGitHub.PullRequest? in
            try PromotionTests.tick(s)
            return s.forge.pullRequests.first { $0.baseRef == "production" && $0.state == "open" }
        }
        // (The bot's own docs commits may move main past main1: approvals bind to the code, so
        // one given at main1 holds for a head that differs only in docs/llm/.)
        try Self.review(s, pr, by: "octocat", at: main1)
        try Eventually.wait(for: "one of two approvals in the description", timeout: 120, interval: 0.2) {
            try PromotionTests.tick(s)
            return Self.body(s, pr.number).contains("by: @octocat (1 of 2)")
        }

        // A push that breaks staging: approvals given before it no longer count, and even with
        // two fresh approvals the head is refused because it did not run healthy on staging.
        let broken = try Self.push(s, ["build.sh": "#!/bin/sh\necho broken build\nexit 1\n"], message: "Break the build")
        try Self.waitFor(s, "staging", .failed, atOrAfter: broken)
        try s.syncForgeBranches()
        try Self.review(s, pr, by: "octocat", at: broken)
        try Self.review(s, pr, by: "hubot", at: broken)
        try Eventually.wait(for: "the healthy gate to refuse the broken head", timeout: 120, interval: 0.2) {
            try PromotionTests.tick(s)
            return Self.body(s, pr.number).contains("❌ **healthy on staging**")
        }
        #expect(try s.repository.head("production") != broken)
        #expect(try s.store.approvedPromotions()["production"] == nil)

        // Fixed: two approvals at the new head ship it.
        let fixed = try Self.push(s, ["build.sh": build, "app/index.html": DemoScenario.page("Release two")], message: "Fix the build")
        try Self.waitFor(s, "staging", .healthy, atOrAfter: fixed)
        try s.syncForgeBranches()
        try Self.review(s, pr, by: "hubot", at: fixed)
        try Eventually.wait(for: "one approval at the new head", timeout: 120, interval: 0.2) {
            try PromotionTests.tick(s)
            return Self.body(s, pr.number).contains("(1 of 2)") && Self.body(s, pr.number).contains("No longer counted")
        }
        #expect(try !Self.isAtOrAfter(s, try s.repository.head("production"), fixed))
        try Self.review(s, pr, by: "dana", at: fixed)
        do {
            try Eventually.wait(for: "production's branch at the fixed head", timeout: 120, interval: 0.2) {
                try PromotionTests.tick(s)
                return try Self.isAtOrAfter(s, try? s.repository.head("production"), fixed)
            }
        } catch {
            Issue.record("the promotion PR says: \(Self.body(s, pr.number))")
            throw error
        }
        let running = try Self.waitFor(s, "production", .healthy, atOrAfter: fixed)
        #expect(try s.store.approvedPromotions()["production"]?.approvers.sorted() == ["dana", "hubot"])

        // Every deploy is a GitHub Deployment: production's went in_progress then success with its URL.
        let deployment = try Eventually.value(of: "production's deployment", timeout: 30) {
            s.forge.deployments(environment: "production").first { $0.sha == running.sha }
        }
        #expect(deployment.productionEnvironment)
        try Eventually.wait(for: "the deployment's statuses", timeout: 30) {
            s.forge.deploymentStatuses(id: deployment.id).map(\.state).suffix(2) == ["in_progress", "success"]
        }
        #expect(s.forge.deploymentStatuses(id: deployment.id).last?.environmentURL == running.url)

        // Roll staging back to the version before: it is pinned there until unpinned.
        try Eventually.wait(for: "staging's first deploy in the evidence index", timeout: 60) {
            try s.store.evidence(environment: "staging", limit: 50).contains { $0.sha == main0 && $0.outcome == "succeeded" }
        }
        let work = dir.child("bot")
        let rollback = runCLI(["env", "rollback", "staging", "--work-dir", work, "--repo", s.repository.path, "--reason", "bad release"])
        #expect(rollback.code == 0, "\(rollback.out)\(rollback.err)")
        #expect(rollback.out.contains("pinned at \(main0.prefix(7))"))
        try s.waitFor("staging", .healthy, sha: main0)
        try PromotionTests.tick(s)
        #expect(try s.store.pendingJobs().allSatisfy { $0.environment != "staging" }, "a pinned environment is not rolled forward")
        #expect(try s.store.environment(named: "staging")?.sha == main0)
        let list = runCLI(["env", "list", "--work-dir", work])
        #expect(list.out.contains("rollback to \(main0.prefix(7)): bad release"))
        let unpin = runCLI(["env", "unpin", "staging", "--work-dir", work])
        #expect(unpin.code == 0, "\(unpin.out)\(unpin.err)")
        #expect(try s.store.pins()["staging"] == nil)
        try PromotionTests.tick(s)
        // It follows main again (main's head, or the bot's docs commit on top of it).
        try Eventually.wait(for: "staging to follow main again", timeout: 90, interval: 0.2) {
            let env = try s.store.environment(named: "staging")
            return env?.status == .healthy && env?.sha != main0
        }
    }
}
