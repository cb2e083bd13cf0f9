import CLITestSupport
import Demo
import Foundation
import Testing
import TestSupport

/// The dashboard in a real browser (Debian's headless Chromium): it renders on a phone-sized
/// screen after a single-use sign-in link, and a screenshot is kept as a test artifact.
@Suite("Dashboard in headless Chromium")
struct DashboardBrowserTests {
    static let artifacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../.build/test-artifacts").standardized.path

    @Test("a sign-in link opens the dashboard in Chromium; the page lists the environments; the screenshot is kept")
    func rendersInChromium() throws {
        let chromium = "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromium) else {
            Issue.record("chromium not found: install it (apt-get install chromium)")
            return
        }
        let dir = try TemporaryDirectory(prefix: "slipway-browser")
        let token = "browser-token-" + String(repeating: "5", count: 20)
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, apiToken: token)
        defer { s.shutdown() }
        _ = try s.waitFor("staging", .healthy, sha: try s.repository.head("main"))
        let head = try s.openPullRequest(5, branch: "browser", greeting: "Browser")
        _ = try s.waitFor("pr-5", .healthy, sha: head)
        let base = "http://127.0.0.1:\(s.bot.port)"
        func link() throws -> String {
            try #require(runCLI(["dashboard", "link", "--api-token-file", dir.path + "/api-token", "--url", base]).out
                .split(separator: "\n").first.map(String.init))
        }
        func browser(_ arguments: [String]) throws -> CommandResult {
            try Command.run("/usr/bin/timeout", ["90", chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                                 "--user-data-dir=\(dir.path)/chromium", "--window-size=412,915"] + arguments,
                            environment: ["PATH": "/usr/bin:/bin", "HOME": dir.path])
        }
        // The DOM after the link's redirect: the dashboard itself, not the sign-in page.
        let dom = try browser(["--dump-dom", try link()])
        #expect(dom.status == 0, "\(dom.stderr.suffix(2000))")
        #expect(dom.stdout.contains("Slipway · demo/app"), "\(dom.stdout.prefix(2000))")
        #expect(dom.stdout.contains("staging") && dom.stdout.contains("pr-5"))
        #expect(!dom.stdout.contains("API token"), "the browser was left on the sign-in page")

        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        let screenshot = Self.artifacts + "/dashboard-phone.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        let shot = try browser(["--screenshot=\(screenshot)", try link()])
        #expect(shot.status == 0, "\(shot.stderr.suffix(2000))")
        let png = try #require(FileManager.default.contents(atPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        #expect(png.count > 5_000, "the screenshot is suspiciously small (\(png.count) bytes)")
        print("dashboard screenshot: \(screenshot)")
    }
}
