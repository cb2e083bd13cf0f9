import Demo
import Foundation
import Git
import Server
import SlipwayCore
import Store
import Testing
import TestSupport

/// The example app shipped in this repository.
let exampleApp = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/app").standardized.path

/// Discards logs unless SLIPWAY_TEST_LOG is set (then text lines on stderr, for debugging a test).
func testLogger() -> Logger {
    ProcessInfo.processInfo.environment["SLIPWAY_TEST_LOG"] == nil ? .discarding
        : Logger(sink: StandardErrorLogSink(format: .text), minimumLevel: .info, redactor: Redactor())
}

func gitCLI(_ repo: String, _ arguments: [String]) throws -> String {
    try TestSupport.Command.check("git", ["--git-dir", repo] + arguments,
                                  environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "GIT_CONFIG_NOSYSTEM": "1"]).stdout
}

@Suite("The full loop, end to end")
struct LoopTests {
    @Test("PR opened, pushed, merged: preview up and down, one comment, statuses, evidence, staging and docs")
    func fullLoop() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-e2e")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding)
        defer { s.shutdown() }
        let main = try s.repository.head("main")
        let staging = try s.waitFor("staging", .healthy, sha: main)
        #expect(try s.fetch(staging.url ?? "").0 == 200)

        // 1. PR opened -> preview at the head, comment, status, evidence.
        let first = try s.openPullRequest(1, branch: "feature", greeting: "Hello one")
        let preview = try s.waitFor("pr-1", .healthy, sha: first)
        let (status, body) = try s.fetch(try #require(preview.url))
        #expect(status == 200)
        #expect(body.contains("Hello one"))
        let comment = try s.waitForComment(on: 1) { $0.contains(String(first.prefix(12))) && $0.contains("healthy") }
        #expect(comment.contains(preview.url ?? "?"))
        #expect(comment.contains("mail: catch-all"))
        try Eventually.wait(for: "a success status with the URL", timeout: 30) {
            s.forge.statuses(sha: first).contains { $0.context == "slipway/pr-1" && $0.state == "success" && $0.targetURL == preview.url }
        }
        #expect(s.forge.statuses(sha: first).first?.state == "pending")

        // 2. New push -> the same comment updated, the new version deployed.
        let firstCommentID = try #require(s.forge.comments(onIssue: 1).first?.id)
        let second = try s.pushToPullRequest(1, branch: "feature", greeting: "Hello two")
        let updated = try s.waitFor("pr-1", .healthy, sha: second)
        #expect(try s.fetch(try #require(updated.url)).1.contains("Hello two"))
        _ = try s.waitForComment(on: 1) { $0.contains(String(second.prefix(12))) }
        #expect(s.forge.comments(onIssue: 1).map(\.id) == [firstCommentID])

        // 3. Merged -> torn down (nothing answers any more), comment says so; 4. staging at the merge.
        let merged = try s.mergePullRequest(1, branch: "feature")
        try s.waitFor("pr-1", .tornDown)
        #expect(throws: (any Error).self) { try s.fetch(try #require(updated.url)) }
        _ = try s.waitForComment(on: 1) { $0.contains("torn down") }
        try s.waitFor("staging", .healthy, sha: merged)
        // The docs say what runs, as the store has it after that deploy, apart from the files.
        try Eventually.wait(for: "docs observing staging at the merge", timeout: 60) {
            guard let tip = try? s.repository.repository.resolve("refs/heads/main"),
                  let data = try? s.repository.repository.blob(at: "docs/llm/environments.md", commit: tip) else { return false }
            let page = String(decoding: data, as: UTF8.self)
            return page.contains("## Observed running (as of the staging deploy of `\(merged)`)")
                && page.contains("- Status: `healthy` at commit `\(merged)`. <!-- src: deploy:staging @ observed:store environments -->")
                && page.contains("## Declared in files")
        }
        let docsCommit = try s.waitForDocsCommit()

        // The bot's own docs commit plans nothing.
        let reconciler = try #require(s.bot.reconciler)
        try Eventually.wait(for: "the docs commit to be on main", timeout: 30) {
            (try? s.repository.head("main")) == docsCommit || (try? s.repository.head("main")) == merged
        }
        #expect(try reconciler.reconcile(trigger: "test").enqueued.isEmpty)
        // The regenerated docs' graph is in the store as a snapshot of the commit it describes.
        try Eventually.wait(for: "a graph snapshot", timeout: 30) { try !s.store.graphSnapshots(limit: 1).isEmpty }
        let newest = try #require(try s.store.graphSnapshots(limit: 1).first)
        let snapshot = try #require(try s.store.graphSnapshot(id: newest.id))
        #expect(snapshot.commit.count == 40)
        #expect(snapshot.nodes.contains { $0.id == "env:staging" && !$0.sources.isEmpty })
        #expect(!snapshot.edges.isEmpty)

        // Evidence: every attempt recorded on the evidence branch, in few commits, fsck clean.
        s.shutdown()
        try checkEvidenceTablesAndReindex(store: s.store, repositoryPath: s.repository.path)
        let evidence = try gitCLI(s.repository.path, ["ls-tree", "-r", "--name-only", "slipway/evidence"])
        let records = evidence.split(separator: "\n").filter { $0.hasSuffix("record.json") }
        #expect(records.filter { $0.contains("/pr-1/") && $0.contains("-deploy/") }.count == 2)
        #expect(records.filter { $0.contains("/pr-1/") && $0.contains("-teardown/") }.count == 1)
        #expect(records.filter { $0.contains("/staging/") }.count >= 2)
        let log = try gitCLI(s.repository.path, ["log", "--format=%an|%B", "slipway/evidence"])
        #expect(log.contains("slipway[bot]|"))
        #expect(log.contains("Slipway-Evidence:"))
        _ = try gitCLI(s.repository.path, ["fsck", "--strict"])
    }

    @Test("with webhooks off, the periodic reconcile reaches the same state from git and the forge")
    func webhooksOff() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-e2e")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, reconcileInterval: 0.5)
        defer { s.shutdown() }
        let head = try s.repository.commit("quiet", ["app/index.html": "<h1>quiet</h1>\n"], message: "quiet change")
        try s.repository.setPullHead(2, head)
        s.forge.addPullRequest(number: 2, headSHA: head, headRef: "quiet")
        try s.waitFor("pr-2", .healthy, sha: head)
        _ = try s.waitForComment(on: 2) { $0.contains("healthy") }
        // Closed on the forge (GitHub keeps the ref): torn down without any webhook.
        s.forge.addPullRequest(number: 2, headSHA: head, headRef: "quiet", state: "closed")
        try s.waitFor("pr-2", .tornDown)
    }

    @Test("the same delivery twice acts once; two PRs and a main push at once all converge")
    func duplicatesAndConcurrency() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-e2e")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: testLogger())
        defer { s.shutdown() }
        try s.waitFor("staging", .healthy)
        // Two PRs and a push to main at the same moment.
        let a = try s.repository.commit("a", ["app/index.html": "<h1>A</h1>\n"], message: "a")
        let b = try s.repository.commit("b", ["app/index.html": "<h1>B</h1>\n"], message: "b")
        let before = try s.repository.head("main")
        let main = try s.repository.commit("main", ["README.md": "# app v2\n"], message: "main v2")
        try s.repository.setPullHead(11, a)
        try s.repository.setPullHead(12, b)
        s.forge.addPullRequest(number: 11, headSHA: a, headRef: "a")
        s.forge.addPullRequest(number: 12, headSHA: b, headRef: "b")
        let bodies: [(String, Data)] = [
            ("pull_request", s.payloads.pullRequest(action: "opened", number: 11, headSHA: a, headRef: "a")),
            ("pull_request", s.payloads.pullRequest(action: "opened", number: 12, headSHA: b, headRef: "b")),
            ("push", s.payloads.push(branch: "main", before: before, after: main)),
        ]
        DispatchQueue.concurrentPerform(iterations: bodies.count) { index in
            _ = try? s.deliver(event: bodies[index].0, bodies[index].1)
        }
        try s.waitFor("pr-11", .healthy, sha: a)
        try s.waitFor("pr-12", .healthy, sha: b)
        // Staging runs the push, or the bot's own docs commit on top of it (same content): the
        // docs thread of the first staging deploy may commit on main in between.
        let mainID = try #require(ObjectID(hex: main))
        try Eventually.wait(for: "staging at main v2", timeout: 90) {
            guard let env = try s.store.environment(named: "staging"), env.status == .healthy, let id = ObjectID(hex: env.sha) else { return false }
            return try s.repository.repository.isAncestor(mainID, of: id)
        }
        _ = try s.waitForComment(on: 11) { $0.contains("healthy") }
        _ = try s.waitForComment(on: 12) { $0.contains("healthy") }
        #expect(s.forge.comments(onIssue: 11).count == 1)
        #expect(s.forge.comments(onIssue: 12).count == 1)

        // A redelivery (same id) is answered 200 and queues nothing.
        let jobsBefore = try s.store.jobs(limit: 100).count
        let redelivery = s.payloads.pullRequest(action: "opened", number: 11, headSHA: a, headRef: "a", updatedAt: Date(timeIntervalSinceNow: -3600))
        #expect(try s.deliverWithID("fixed-id", event: "pull_request", redelivery) == 202)
        #expect(try s.deliverWithID("fixed-id", event: "pull_request", redelivery) == 200)
        try Eventually.wait(for: "the delivery to be processed") {
            try s.store.delivery(id: "fixed-id")?.status == .processed
        }
        #expect(s.bot.waitUntilReconciled(timeout: 60))
        #expect(try s.store.jobs(limit: 100).count == jobsBefore)
    }
}
