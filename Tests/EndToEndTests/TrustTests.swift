import Demo
import Foundation
import Git
import Runner
import SlipwayCore
import Store
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The trust model through the real bot: what a hostile pull request can and cannot reach.
@Suite("Trust: a hostile pull request gets none of the bot's policy, secrets or files")
struct TrustTests {
    /// A build script that tries to read what it must not, printing one line per attempt.
    static func probe(botPID: Int32, files: [(String, String)], otherPID: Int32?) -> String {
        var script = """
        #!/bin/sh
        probe() { if cat "$1" >/dev/null 2>&1; then echo "PROBE-READ $2"; else echo "PROBE-DENIED $2"; fi; }
        probe /proc/\(botPID)/environ bot-environ
        probe /proc/\(botPID)/cmdline bot-cmdline

        """
        for (path, label) in files { script += "probe '\(path)' \(label)\n" }
        if let otherPID { script += "probe /proc/\(otherPID)/environ other-environment-environ\n" }
        script += """
        if kill -0 \(otherPID ?? 1) 2>/dev/null; then echo "PROBE-READ signal-other"; else echo "PROBE-DENIED signal-other"; fi
        echo "PROBE-UID $(id -u)"
        echo "PROBE-VARS $(env | cut -d= -f1 | sort | tr '\\n' ' ')"
        mkdir -p dist && echo '<h1>pwned</h1>' > dist/index.html
        """
        return script
    }

    @Test("a PR whose head asks for another name, trust label, grant, no forbid list and the bot's files gets none of it")
    func hostilePullRequest() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-trust")
        let liveKey = try dir.write("payments-live.key", "sk_live_" + String(repeating: "9", count: 24) + "\n")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding,
                                 extraGrants: [Grant(name: "payments-live", source: .file(liveKey), environments: ["production"])])
        defer { s.shutdown() }
        let main = try s.repository.head("main")
        let staging = try s.waitFor("staging", .healthy, sha: main)
        // Secrets of the bot's that a build must never see.
        let tokenFile = try dir.write("bot/forge-token", "ghp_" + String(repeating: "t", count: 36) + "\n")
        let store = dir.child("bot/state.db")

        let hostileSpec = """
        kind: preview
        name: staging
        match:
          pull_request: { base: main, trust_label: anything-goes }
        build:
          - run: "sh build.sh"
        deploy:
          run: "sh serve.sh"
        secrets:
          STOLEN_LIVE: payments-live
          STOLEN_TOKEN: { file: \(tokenFile) }
        neutralize: { mail: catch-all, crons: off, forbid: [] }
        """
        let head = try s.repository.commit("evil", [
            "environments/preview.yaml": hostileSpec,
            "build.sh": Self.probe(botPID: getpid(), files: [(tokenFile, "token-file"), (store, "store"),
                                                              (s.paymentsKeyFile, "grant-file"), (liveKey, "live-grant-file")],
                                   otherPID: staging.pid),
        ], message: "Innocent change")
        try s.repository.setPullHead(66, head)
        s.forge.addPullRequest(number: 66, headSHA: head, headRef: "evil")
        try s.expectAccepted(s.deliver(event: "pull_request", s.payloads.pullRequest(action: "opened", number: 66, headSHA: head, headRef: "evil")))

        // Its name comes from main's spec: pr-66, never staging, which keeps running main.
        let preview = try s.waitFor("pr-66", .healthy, sha: head)
        // (main may have moved on with the bot's docs commit: the spec commit is main's tip, never the head.)
        let specCommit = try #require(preview.specSHA)
        #expect(specCommit != head)
        let specID = try #require(ObjectID(hex: specCommit))
        let specText = try #require(try s.repository.repository.blob(at: "environments/preview.yaml", commit: specID))
        #expect(String(decoding: specText, as: UTF8.self).contains("pr-{{pr.number}}"))
        let after = try #require(try s.store.environment(named: "staging"))
        #expect(after.sha == main && after.status == .healthy && after.pid == staging.pid)

        // Its build ran its own script, but found nothing of the bot's or of staging.
        let log = EnvironmentLogs(workDir: dir.child("bot"), environment: "pr-66").latestJobLogs
            .compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n")
        for what in ["bot-environ", "token-file", "store", "grant-file", "live-grant-file", "other-environment-environ", "signal-other"] {
            #expect(log.contains("PROBE-DENIED \(what)"), "the build could read or reach \(what):\n\(log)")
            #expect(!log.contains("PROBE-READ \(what)"))
        }
        // Only what main's spec grants reaches it: PAYMENTS_KEY (payments-test), never the live key.
        let vars = log.split(separator: "\n").first { $0.hasPrefix("PROBE-VARS ") } ?? ""
        #expect(vars.contains(" PAYMENTS_KEY ") || vars.hasSuffix(" PAYMENTS_KEY") || vars.contains("PAYMENTS_KEY "))
        #expect(!vars.contains("STOLEN"))
        #expect(!log.contains("sk_live_"))
        // Its own uid: not the bot's, not staging's.
        let uid = try #require(log.split(separator: "\n").first { $0.hasPrefix("PROBE-UID ") }.flatMap { UInt32($0.dropFirst(10)) })
        #expect(uid != getuid())
        let stagingUID = try s.store.value(forKey: "isolation-uid:staging").flatMap(UInt32.init)
        #expect(stagingUID != nil && stagingUID != uid)

        // The comment shows main's neutralization and tells the author their spec changes wait for merge.
        let comment = try s.waitForComment(on: 66) { $0.contains("healthy") && $0.contains("take effect after merge") }
        #expect(comment.contains("forbid: sk_live_*"))
        #expect(comment.contains("no longer say where a secret comes from"))
        #expect(!comment.contains("ghp_tttt"))
    }
}

@Suite("Trust: provenance and saying why, through the bot and the fake GitHub")
struct ProvenanceTests {
    /// Delivers a signed body under a fresh id and waits until the bot has processed it and
    /// run the reconcile it asked for.
    static func deliverAndWait(_ s: DemoScenario, _ body: Data, event: String = "pull_request") throws {
        expectDelivered(try s.deliverAndWait(event: event, body))
    }

    static func expectDelivered(_ outcome: (status: Int, reconciled: Bool)) {
        #expect(outcome.status == 202, "the bot answered \(outcome.status)")
        #expect(outcome.reconciled, "the reconcile after the delivery ran")
    }

    static func deployJobs(_ s: DemoScenario, _ environment: String) throws -> [String] {
        try s.store.jobs(limit: 1000).filter { $0.environment == environment && $0.kind == .deploy }.compactMap(\.sha)
    }

    @Test("a fork builds only once a writer labels it at its current head; readers and older heads do not count")
    func forkTrust() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-fork")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding)
        defer { s.shutdown() }
        try s.waitFor("staging", .healthy)
        s.forge.setPermission("reader", "read")
        s.forge.setPermission("writer", "write")
        let fork = "mallory/app"
        // The fork's head also names its own trust label ("docs", which writers add for other
        // reasons): policy comes from main, so it is ignored.
        let preview = try String(contentsOfFile: exampleApp + "/environments/preview.yaml", encoding: .utf8)
            .replacingOccurrences(of: "pull_request: { base: main }", with: "pull_request: { base: main, trust_label: docs }")
        let first = try s.repository.commit("fork-change", ["app/index.html": DemoScenario.page("From a fork"),
                                                           "environments/preview.yaml": preview], message: "Fork change")
        try s.repository.setPullHead(31, first)
        s.forge.addPullRequest(number: 31, headSHA: first, headRef: "fork-change", author: "mallory", headRepository: fork)
        func event(_ action: String, _ head: String, sender: String, label: String? = nil, labels: [String] = []) -> Data {
            s.payloads.pullRequest(action: action, number: 31, headSHA: head, headRef: "fork-change", sender: sender, author: "mallory",
                                   headRepository: fork, labels: labels, label: label)
        }

        // Opened: not built; the comment and a pending status say which label is needed.
        try Self.deliverAndWait(s, event("opened", first, sender: "mallory"))
        let waiting = try s.waitForComment(on: 31) { $0.contains("comes from a fork") }
        #expect(waiting.contains("'safe-to-build'"))
        try Eventually.wait(for: "a pending status naming the label", timeout: 30) {
            s.forge.statuses(sha: first).contains { $0.context == "slipway/pr-31" && $0.state == "pending" && ($0.description ?? "").contains("safe-to-build") }
        }
        #expect(try Self.deployJobs(s, "pr-31").isEmpty)

        // A writer adds the label the fork's own spec names: not the base's trust label, not built.
        s.forge.addPullRequest(number: 31, headSHA: first, headRef: "fork-change", author: "mallory", labels: ["docs"], headRepository: fork)
        try Self.deliverAndWait(s, event("labeled", first, sender: "writer", label: "docs", labels: ["docs"]))
        #expect(try Self.deployJobs(s, "pr-31").isEmpty)

        // A label from someone who can only read: still not built.
        s.forge.addPullRequest(number: 31, headSHA: first, headRef: "fork-change", author: "mallory", labels: ["safe-to-build"], headRepository: fork)
        try Self.deliverAndWait(s, event("labeled", first, sender: "reader", label: "safe-to-build", labels: ["safe-to-build"]))
        #expect(try Self.deployJobs(s, "pr-31").isEmpty)

        // A writer's label at the current head: built.
        try Self.deliverAndWait(s, event("labeled", first, sender: "writer", label: "safe-to-build", labels: ["safe-to-build"]))
        try s.waitFor("pr-31", .healthy, sha: first)

        // The fork pushes: the label was given at an older head, so the new code is not built and
        // the preview of code nobody vouched for is torn down.
        let second = try s.repository.commit("fork-change", ["app/index.html": DemoScenario.page("Fork, unreviewed")], message: "Sneaky")
        try s.repository.setPullHead(31, second)
        s.forge.addPullRequest(number: 31, headSHA: second, headRef: "fork-change", author: "mallory", labels: ["safe-to-build"], headRepository: fork)
        try Self.deliverAndWait(s, event("synchronize", second, sender: "mallory", labels: ["safe-to-build"]))
        try s.waitFor("pr-31", .tornDown)
        #expect(try !Self.deployJobs(s, "pr-31").contains(second))
        _ = try s.waitForComment(on: 31) { $0.contains("again") }

        // The writer labels again, at the new head: built at exactly that head.
        try Self.deliverAndWait(s, event("labeled", second, sender: "writer", label: "safe-to-build", labels: ["safe-to-build"]))
        try s.waitFor("pr-31", .healthy, sha: second)
    }

    @Test("a refused grant and broken base specs are said in the comment and a commit status, never with a value")
    func sayWhy() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-why")
        let liveKey = try dir.write("payments-live.key", "sk_live_" + String(repeating: "7", count: 24) + "\n")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding,
                                 extraGrants: [Grant(name: "payments-live", source: .file(liveKey), environments: ["production"])])
        defer { s.shutdown() }
        try s.waitFor("staging", .healthy)
        let previewSpec = try String(contentsOfFile: exampleApp + "/environments/preview.yaml", encoding: .utf8)

        // main's preview spec now asks for the production-only grant.
        let before = try s.repository.head("main")
        let greedy = try s.repository.commit("main", ["environments/preview.yaml": previewSpec.replacingOccurrences(
            of: "PAYMENTS_KEY: payments-test", with: "PAYMENTS_KEY: payments-live")], message: "Use the live key in previews")
        try Self.deliverAndWait(s, s.payloads.push(branch: "main", before: before, after: greedy), event: "push")
        let head = try s.openPullRequest(41, branch: "why", greeting: "Why not?")
        let refused = try s.waitForComment(on: 41) { $0.contains("grant is refused") }
        #expect(refused.contains("payments-live"))
        #expect(refused.contains("allowed: production"))
        #expect(!refused.contains("sk_live_") && !refused.contains(liveKey))
        try Eventually.wait(for: "a failure status for the refused grant", timeout: 30) {
            s.forge.statuses(sha: head).contains { $0.context == "slipway/pr-41" && $0.state == "failure" }
        }
        #expect(try Self.deployJobs(s, "pr-41").isEmpty)

        // main's preview spec breaks: the comment names file:line:column, the status is an error.
        let broken = try s.repository.commit("main", ["environments/preview.yaml": previewSpec.replacingOccurrences(of: "ttl: 72h", with: "ttl: forever")],
                                             message: "Oops")
        try Self.deliverAndWait(s, s.payloads.push(branch: "main", before: greedy, after: broken), event: "push")
        let next = try s.pushToPullRequest(41, branch: "why", greeting: "Still why")
        let invalid = try s.waitForComment(on: 41) { $0.contains("have errors") }
        #expect(invalid.contains("environments/preview.yaml:"))
        #expect(invalid.contains("ttl"))
        try Eventually.wait(for: "an error status for the broken base", timeout: 30) {
            s.forge.statuses(sha: next).contains { $0.context == "slipway/preview" && $0.state == "error" }
        }
    }
}
