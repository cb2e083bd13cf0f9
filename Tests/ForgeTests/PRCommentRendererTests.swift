import Forge
import Foundation
import SlipwayCore
import TestSupport
import Testing

@Suite("PR comment rendering")
struct PRCommentRendererTests {
    @Test("the built-in template is templates/pr-comment.md")
    func builtInMatchesFile() throws {
        let file = Fixtures.directory().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("templates/pr-comment.md")
        #expect(try String(contentsOf: file, encoding: .utf8) == PRCommentRenderer.defaultTemplate)
    }

    @Test("a healthy environment shows name, URL, state, SHA, durations, health, evidence, neutralization and TTL")
    func healthy() throws {
        let environment = PRCommentState.Environment(report: sampleReport(outcome: .succeeded), evidenceURL: "https://evidence.example.com/e/1",
                                                     tearDownAt: Date(timeIntervalSince1970: 1_767_312_000))
        let body = try PRCommentRenderer().render(PRCommentState(pullRequest: 7, environments: [environment]))
        #expect(body.hasPrefix("<!-- slipway:pr-comment -->\n"))
        for expected in ["`pr-7`", "✅ healthy", "**healthy**", "https://pr-7.preview.example.com", "`0123456789ab`", "| Build | 1m 04s |",
                         "| Deploy | 12s |", "HTTP 200 in 35 ms", "[deployment record](https://evidence.example.com/e/1)",
                         "`mail: catch-all`, `crons: off`", "| Expires | 2026-01-02 00:00 UTC (TTL) |"] {
            #expect(body.contains(expected), "missing \(expected) in\n\(body)")
        }
        #expect(!body.contains("failed"))
        #expect(!body.contains("\n\n\n"), "no runs of blank lines:\n\(body)")
    }

    @Test("a failure shows the phase, the reason and the redacted log tail in a fence longer than any in the log")
    func failure() throws {
        var report = sampleReport(outcome: .failed)
        report.failureLogTail.append("password=hunter2-secret-value")
        let renderer = try PRCommentRenderer(redactor: Redactor(secrets: ["hunter2-secret-value"]))
        let body = try renderer.render(PRCommentState(pullRequest: 7, environments: [.init(report: report)]))
        #expect(body.contains("❌ failed"))
        #expect(body.contains("**The deploy step failed:** compose up exited with status 1"))
        #expect(body.contains("````text\npulling image\nerror: port 5432 already in use\n```nested fence```\npassword=***\n````"))
        #expect(!body.contains("hunter2"))
        #expect(!body.contains("\n\n\n"), "no runs of blank lines:\n\(body)")
    }

    @Test("states building, deploying and torn down render, and a custom template without the marker still gets it")
    func statesAndOverride() throws {
        let sha = String(repeating: "b", count: 40)
        let renderer = try PRCommentRenderer()
        for state in PRCommentState.EnvironmentState.allCases {
            let body = try renderer.render(PRCommentState(pullRequest: 1, environments: [.init(name: "pr-1", state: state, sha: sha)]))
            #expect(body.contains(state.label) && body.contains("**\(state.rawValue)**"))
        }
        #expect(try renderer.render(PRCommentState(pullRequest: 1, environments: [])).contains("No environment"))
        let custom = try PRCommentRenderer(templateText: "{{#each environments}}{{name}} is {{state}}{{/each}}")
        #expect(try custom.render(PRCommentState(pullRequest: 1, environments: [.init(name: "pr-1", state: .healthy, sha: sha)]))
            == "<!-- slipway:pr-comment -->\npr-1 is healthy")
        let broken = try #require(throws: Template.Error.self) { try PRCommentRenderer(templateText: "{{#if x}}never closed") }
        #expect(broken.description.hasPrefix("templates/pr-comment.md:1:1"))
    }
}
