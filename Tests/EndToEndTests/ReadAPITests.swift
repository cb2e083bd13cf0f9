import CLITestSupport
import Demo
import Foundation
import HTTPClient
import HTTPTypes
import Store
import Testing
import TestSupport

/// The read API and the dashboard through the real bot: the token gates everything, fields are
/// stable, evidence pages, and what a pull request's build prints is escaped on the dashboard.
@Suite("Read API and dashboard")
struct ReadAPITests {
    static let token = "api-token-" + String(repeating: "7", count: 24)

    static func get(_ s: DemoScenario, _ path: String, token: String? = ReadAPITests.token, cookie: String? = nil) throws -> HTTPClientResponse {
        var headers = HTTPHeaders()
        if let token { headers.add("Authorization", "Bearer \(token)") }
        if let cookie { headers.add("Cookie", cookie) }
        return try HTTPClient().send(HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(s.bot.port)\(path)", headers: headers))
    }

    static func json(_ response: HTTPClientResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any], "\(String(decoding: response.body, as: UTF8.self))")
    }

    @Test("every API route refuses a missing or wrong token; environments, evidence pages, deliveries and the graph answer with stable fields")
    func api() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-api")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, apiToken: Self.token)
        defer { s.shutdown() }
        let main = try s.repository.head("main")
        _ = try s.waitFor("staging", .healthy, sha: main)
        let head = try s.openPullRequest(4, branch: "api", greeting: "API")
        _ = try s.waitFor("pr-4", .healthy, sha: head)
        _ = try s.pushToPullRequest(4, branch: "api", greeting: "API again")
        try Eventually.wait(for: "three deploys in the evidence index", timeout: 60) {
            try s.store.evidence(environment: nil, limit: 50).filter { $0.kind == "deploy" && $0.outcome == "succeeded" }.count >= 3
        }

        for path in ["/api/v1/environments", "/api/v1/environments/staging", "/api/v1/evidence", "/api/v1/deliveries", "/api/v1/graph"] {
            let missing = try Self.get(s, path, token: nil)
            #expect(missing.status == 401, "\(path) without a token: \(missing.status)")
            #expect(missing.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
            #expect(try Self.get(s, path, token: "wrong-token-wrong-token-1234").status == 401, "\(path) with a wrong token")
        }

        let list = try Self.json(try Self.get(s, "/api/v1/environments"))
        let environments = try #require(list["environments"] as? [[String: Any]])
        let staging = try #require(environments.first { $0["name"] as? String == "staging" })
        for field in ["name", "kind", "status", "sha", "content_id", "spec_file", "created_at", "updated_at", "url"] {
            #expect(staging[field] != nil, "environments[].\(field) is missing")
        }
        #expect(staging["status"] as? String == "healthy")
        let preview = try #require(environments.first { $0["name"] as? String == "pr-4" })
        #expect(preview["pull_request"] as? Int == 4)
        #expect(preview["ttl_expires_at"] is String, "a preview with a ttl says when it expires")

        let detail = try Self.json(try Self.get(s, "/api/v1/environments/pr-4"))
        #expect((detail["spec"] as? [String: Any])?["file"] as? String == "environments/preview.yaml")
        #expect(((detail["deploys"] as? [[String: Any]])?.count ?? 0) >= 1)
        #expect(((detail["health"] as? [[String: Any]])?.first?["status"] as? Int) == 200)
        #expect(try Self.get(s, "/api/v1/environments/nope").status == 404)

        // Pages of one record cover the index exactly once, newest first.
        var seen: [String] = []
        var cursor: String?
        repeat {
            let query = "/api/v1/evidence?limit=1" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try Self.json(try Self.get(s, query))
            let items = try #require(page["evidence"] as? [[String: Any]])
            #expect(items.count <= 1)
            seen += items.compactMap { $0["id"] as? String }
            cursor = page["next_cursor"] as? String
        } while cursor != nil && seen.count < 100
        let all = try s.store.evidence(environment: nil, limit: 100).map(\.id)
        #expect(seen == all)
        let first = try #require((try Self.json(try Self.get(s, "/api/v1/evidence?limit=5"))["evidence"] as? [[String: Any]])?.first)
        for field in ["id", "environment", "environment_kind", "kind", "sha", "outcome", "started_at", "path", "branch", "commit", "logs"] {
            #expect(first[field] != nil, "evidence[].\(field) is missing")
        }
        let onlyPreview = try #require(try Self.json(try Self.get(s, "/api/v1/evidence?environment=pr-4"))["evidence"] as? [[String: Any]])
        #expect(!onlyPreview.isEmpty && onlyPreview.allSatisfy { $0["environment"] as? String == "pr-4" })
        let future = try #require(try Self.json(try Self.get(s, "/api/v1/evidence?since=2999-01-01T00:00:00Z"))["evidence"] as? [[String: Any]])
        #expect(future.isEmpty)
        for bad in ["/api/v1/evidence?limit=0", "/api/v1/evidence?limit=abc", "/api/v1/evidence?cursor=x';DROP", "/api/v1/evidence?since=yesterday"] {
            #expect(try Self.get(s, bad).status == 400, "\(bad)")
        }

        let deliveries = try #require(try Self.json(try Self.get(s, "/api/v1/deliveries?limit=10"))["deliveries"] as? [[String: Any]])
        #expect(!deliveries.isEmpty)
        #expect(deliveries.allSatisfy { $0["id"] != nil && $0["event"] != nil && $0["status"] != nil && $0["body"] == nil })

        // The graph is the one the bot committed with the docs.
        _ = try s.waitForDocsCommit()
        let graph = try Self.get(s, "/api/v1/graph")
        #expect(graph.status == 200)
        #expect(try Self.json(graph)["graph"] is [String: Any])
    }

    @Test("the dashboard signs in with the token or a single-use link, escapes what a build printed, and its links resolve")
    func dashboard() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-dashboard")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, apiToken: Self.token)
        defer { s.shutdown() }
        _ = try s.waitFor("staging", .healthy, sha: try s.repository.head("main"))
        // A PR whose build fails printing markup: it must reach the page as text.
        let head = try s.repository.commit("xss", ["build.sh": "#!/bin/sh\necho '<script>alert(1)</script><img src=x onerror=alert(2)>'\nexit 3\n"],
                                           message: "Break the build")
        try s.repository.setPullHead(8, head)
        s.forge.addPullRequest(number: 8, headSHA: head, headRef: "xss")
        try s.expectAccepted(s.deliver(event: "pull_request", s.payloads.pullRequest(action: "opened", number: 8, headSHA: head, headRef: "xss")))
        _ = try s.waitFor("pr-8", .failed)
        try Eventually.wait(for: "the failed deploy's evidence", timeout: 60) {
            try s.store.evidence(environment: "pr-8", limit: 5).contains { $0.outcome == "failed" }
        }

        // Without a session: sent to the sign-in page.
        let anonymous = try Self.get(s, "/", token: nil)
        #expect(anonymous.status == 303 && anonymous.headers["Location"] == "/login")
        let base = "http://127.0.0.1:\(s.bot.port)"
        let wrong = try HTTPClient().send(HTTPClientRequest(method: "POST", url: base + "/login", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                          body: Data("token=nope".utf8)))
        #expect(wrong.status == 401)
        let signIn = try HTTPClient().send(HTTPClientRequest(method: "POST", url: base + "/login", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                           body: Data("token=\(Self.token)".utf8)))
        #expect(signIn.status == 303)
        let setCookie = try #require(signIn.headers["Set-Cookie"])
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        #expect(!setCookie.contains(Self.token))
        let cookie = String(setCookie.split(separator: ";")[0])

        let page = try Self.get(s, "/", token: nil, cookie: cookie)
        #expect(page.status == 200)
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(page.headers["Content-Security-Policy"]?.contains("default-src 'none'") == true)
        #expect(html.contains("staging") && html.contains("pr-8"))
        #expect(html.contains("Failing now"))
        // The latest diag is on the page (it runs at start).
        try Eventually.wait(for: "the diag section", timeout: 60) {
            String(decoding: try Self.get(s, "/", token: nil, cookie: cookie).body, as: UTF8.self).contains("<h2>Diagnostics</h2>")
        }
        // Links: every href on the page answers (environments' own URLs and evidence pages).
        let hrefs = html.matches(of: /href="([^"]+)"/).map { String($0.1) }
        #expect(hrefs.contains { $0.hasPrefix("/evidence/") })
        for href in Set(hrefs) {
            let url = href.hasPrefix("/") ? base + href : href.replacingOccurrences(of: "&amp;", with: "&")
            var headers = HTTPHeaders()
            headers.add("Cookie", cookie)
            let answer = try HTTPClient().send(HTTPClientRequest(method: "GET", url: url, headers: headers))
            #expect(answer.status == 200, "\(href) answered \(answer.status)")
            if href.hasPrefix("/evidence/") {
                let text = String(decoding: answer.body, as: UTF8.self)
                #expect(!text.contains("<script>alert"), "a build's output reached the page as markup")
                #expect(!text.contains("<img src=x"))
                if text.contains("alert(1)") { #expect(text.contains("&lt;script&gt;")) }
            }
        }

        // The failed deploy's page shows the build's output as text.
        let failed = try #require(try s.store.evidence(environment: "pr-8", limit: 5).first { $0.outcome == "failed" })
        let evidencePage = String(decoding: try Self.get(s, "/evidence/\(failed.id)", token: nil, cookie: cookie).body, as: UTF8.self)
        #expect(evidencePage.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(evidencePage)")
        #expect(!evidencePage.contains("<script>"))

        // A single-use link: once, then refused.
        let link = try #require(runCLI(["dashboard", "link", "--api-token-file", dir.path + "/api-token", "--url", base]).out
            .split(separator: "\n").first.map(String.init))
        #expect(link.hasPrefix(base + "/login?ticket="))
        #expect(!link.contains(Self.token))
        let first = try HTTPClient().send(HTTPClientRequest(method: "GET", url: link))
        #expect(first.status == 303 && first.headers["Set-Cookie"] != nil)
        #expect(try HTTPClient().send(HTTPClientRequest(method: "GET", url: link)).status == 401)
    }

    @Test("the repository's dashboard template on the default branch is used and followed when main moves; a pull request's never")
    func repositoryTemplate() throws {
        let dir = try TemporaryDirectory(prefix: "slipway-dashboard-template")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, apiToken: Self.token)
        defer { s.shutdown() }
        func page() throws -> String { String(decoding: try Self.get(s, "/").body, as: UTF8.self) }
        #expect(try page().contains("<h2>"), "the built-in page first")

        _ = try s.repository.commit("main", ["templates/dashboard/index.html": "<!doctype html><title>ours</title><p>Team board v1 for {{repository}}</p>\n"],
                                    message: "Our own dashboard")
        // The bot reads its mirror: a push (here a reconcile, as its webhook would start) fetches.
        try Eventually.wait(for: "the repository's template", timeout: 60, interval: 0.2) { try s.tick(); return try page().contains("Team board v1") }
        _ = try s.repository.commit("main", ["templates/dashboard/index.html": "<!doctype html><title>ours</title><p>Team board v2</p>\n"],
                                    message: "Our own dashboard, again")
        try Eventually.wait(for: "the template to follow main", timeout: 60, interval: 0.2) { try s.tick(); return try page().contains("Team board v2") }

        // A pull request proposing its own template changes nothing until it is merged.
        let head = try s.repository.commit("hostile", ["templates/dashboard/index.html": "<p>Owned by a pull request</p>\n"], message: "Take over")
        try s.repository.setPullHead(9, head)
        s.forge.addPullRequest(number: 9, headSHA: head, headRef: "hostile")
        try s.expectAccepted(s.deliver(event: "pull_request", s.payloads.pullRequest(action: "opened", number: 9, headSHA: head, headRef: "hostile")))
        try s.tick()
        #expect(try page().contains("Team board v2"))
        #expect(!(try page().contains("Owned by a pull request")))
    }
}
