import CLITestSupport
import Demo
import Evidence
import Foundation
import Git
import Store
import Testing
import TestSupport

/// A failed staging deploy drafts a postmortem on the evidence branch and links it from a commit
/// comment; `slipway postmortem ID` drafts one on demand.
@Suite("Postmortems")
struct PostmortemTests {
    @Test("a failed staging deploy gets a draft postmortem with the timeline, the failing log and what changed since the last good version")
    func failedStagingDeploy() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-postmortem")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding)
        defer { s.shutdown() }
        let good = try s.repository.head("main")
        _ = try s.waitFor("staging", .healthy, sha: good)
        // The bot commits docs/llm/ on main after staging's first healthy deploy (no redeploy:
        // only docs change). Wait for it, or it may land on top of the broken push below and
        // staging would fail at the bot's commit instead of the broken one.
        _ = try s.waitForDocsCommit()
        let before = try s.repository.head("main")
        let broken = try s.repository.commit("main", ["build.sh": "#!/bin/sh\necho 'migrating the orders table'\necho 'ERROR: column total does not exist' >&2\nexit 4\n"],
                                             message: "Rename the orders total column")
        try s.expectAccepted(s.deliver(event: "push", s.payloads.push(branch: "main", before: before, after: broken)))
        let failed = try s.waitFor("staging", .failed, sha: broken)
        #expect(failed.lastError?.contains("exited with code 4") == true)

        let path = try #require(try Eventually.value(of: "the postmortem on the evidence branch", timeout: 60) { () -> String? in
            let tip = try? s.repository.repository.resolve("refs/heads/slipway/evidence")
            guard let tip else { return nil }
            return (try? s.repository.repository.tree(at: tip, path: "postmortems"))?.first { $0.name.hasSuffix("-staging-\(broken.prefix(7)).md") }?.path
        })
        let tip = try s.repository.repository.resolve("refs/heads/slipway/evidence")
        let text = String(decoding: try #require(try s.repository.repository.blob(at: path, commit: tip)), as: UTF8.self)
        #expect(text.contains("# Postmortem (draft): staging deploy of \(broken.prefix(7)) failed"))
        #expect(text.contains("| Failed phase | build |"))
        #expect(text.contains("ERROR: column total does not exist"), "the failing log's tail")
        #expect(text.contains("| Last good version | `\(good.prefix(7))`"))
        #expect(text.contains("slipway env rollback staging --to \(good.prefix(12))"))
        #expect(text.contains("Rename the orders total column"), "the commits since the last good version")
        #expect(text.contains("- `M build.sh`"), "the files since the last good version")
        #expect(text.contains("## Timeline"))

        // Linked from a comment on the failed commit.
        try Eventually.wait(for: "the commit comment", timeout: 30) {
            s.forge.commitComments(sha: broken).contains { $0.body.contains(path) && $0.body.contains("failed (build)") }
        }

        // On demand, from its evidence id.
        let entry = try #require(try s.store.evidence(environment: "staging", limit: 10).first { $0.sha == broken && $0.outcome == "failed" })
        let cli = runCLI(["postmortem", entry.id, "--work-dir", dir.path + "/bot", "--repo", s.repository.path])
        #expect(cli.code == 0, "\(cli.err)")
        #expect(cli.out.contains("# Postmortem (draft): staging deploy of \(broken.prefix(7)) failed"))
        #expect(cli.out.contains("ERROR: column total does not exist"))
        #expect(runCLI(["postmortem", "0000000000000000", "--work-dir", dir.path + "/bot", "--repo", s.repository.path]).code == 1)
    }
}
