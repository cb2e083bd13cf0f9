import Demo
import Foundation
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
        #expect(preview.specSHA == main)
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
