import Environments
import Foundation
import SlipwayCore
import Testing

@Suite("Environment spec size limits")
struct SpecSizeLimitsTests {
    @Test("a spec file over 256 KiB is refused with a diagnostic at the first byte past the limit")
    func tooManyBytes() throws {
        // A valid spec padded with comment lines of 100 bytes each.
        let line = "#" + String(repeating: "x", count: 98) + "\n"
        let text = validPreview + "\n" + String(repeating: line, count: 2_700)
        try #require(text.utf8.count > 256 * 1024)
        let problems = diagnostics(text)
        try #require(problems.count == 1, "\(problems)")
        let problem = problems[0]
        let headerLines = validPreview.split(separator: "\n", omittingEmptySubsequences: false).count
        let headerBytes = validPreview.utf8.count + 1
        let lineIndex = (256 * 1024 - headerBytes) / 100
        #expect(problem.line == headerLines + lineIndex + 1)
        #expect(problem.column == (256 * 1024 - headerBytes) % 100 + 1)
        #expect(problem.message.contains("too large"), "\(problem.message)")
        #expect(problem.message.contains("262144"), "\(problem.message)")
        #expect("\(problem)".hasPrefix("environments/x.yaml:\(problem.line):\(problem.column):"), "\(problem)")
        // The same spec under the limit is fine.
        #expect(diagnostics(validPreview + "\n" + String(repeating: line, count: 2_000)).isEmpty)
    }

    @Test("a spec with more than 10,000 nodes, or an alias bomb, is refused with a diagnostic where it crosses the limit")
    func tooManyNodes() throws {
        let variables = (1...5_100).map { "  V\($0): x" }.joined(separator: "\n")
        let big = validPreview.replacingOccurrences(of: "env: { APP_ENV: preview, WORKERS: 2, DEBUG: true }", with: "env:\n" + variables)
        let problems = diagnostics(big)
        try #require(problems.count == 1, "\(problems)")
        #expect(problems[0].message.contains("more than 10000 nodes"), "\(problems[0].message)")
        #expect(problems[0].line > 20)

        var bomb = validPreview + "\nx-lol0: &lol0 [a, a, a, a, a, a, a, a, a, a]\n"
        for level in 1...8 {
            bomb += "x-lol\(level): &lol\(level) [\(Array(repeating: "*lol\(level - 1)", count: 10).joined(separator: ", "))]\n"
        }
        // lol3 copies 10 × 1,111 nodes: it crosses the limit, on the fourth line after the spec.
        let bombProblems = diagnostics(bomb)
        try #require(bombProblems.count == 1, "\(bombProblems)")
        #expect(bombProblems[0].message.contains("more than 10000 nodes"))
        #expect(bombProblems[0].line == validPreview.split(separator: "\n").count + 4)
    }
}
