import Demo
import Foundation
import HTTPClient
import Router
import Server
import Store
import Testing
import TestSupport

/// Preview URLs a reviewer can open, through the real bot and a real Caddy: the comment links
/// `https://pr-N.<preview-domain>`, a push switches versions behind it, teardown removes the
/// route, and a Caddy restart converges.
@Suite("Public URLs through Caddy")
struct PublicURLTests {
    @Test("a preview answers at https://pr-N.preview.test through Caddy's internal CA; a push switches it; teardown and a Caddy restart converge")
    func previewThroughCaddy() throws {
        let caddy = try CaddyServer.start()
        defer { caddy.stop() }
        let listen = try CaddyServer.freePort()
        var settings = RouterSettings()
        settings.kind = .caddy
        settings.previewDomain = "preview.test"
        settings.caddyAdmin = try CaddyAdminEndpoint(parsing: caddy.adminURL)
        settings.listen = "127.0.0.1:\(listen)"
        settings.tls = .internal
        let dir = try TemporaryDirectory(prefix: "slipway-caddy")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, reconcileInterval: 2, router: settings)
        defer { s.shutdown() }
        _ = try s.waitFor("staging", .healthy, sha: try s.repository.head("main"))

        let head = try s.openPullRequest(7, branch: "public", greeting: "Public v1")
        let preview = try s.waitFor("pr-7", .healthy, sha: head)
        #expect(preview.url == "https://pr-7.preview.test:\(listen)" || preview.url == "https://pr-7.preview.test", "\(preview.url ?? "-")")
        let url = "https://pr-7.preview.test:\(listen)/"
        let rootCertificate = caddy.rootCertificatePath
        @Sendable func get() throws -> HTTPClientResponse {
            try HTTPClient().send(HTTPClientRequest(method: "GET", url: url, timeout: 10,
                                                    tls: HTTPClientTLSFiles(caCertificatePath: rootCertificate),
                                                    resolve: ["pr-7.preview.test:\(listen):127.0.0.1"]))
        }
        let first = try Eventually.value(of: "pr-7 through Caddy", timeout: 30) { () -> HTTPClientResponse? in
            let response = try? get()
            return response?.status == 200 ? response : nil
        }
        #expect(String(decoding: first.body, as: UTF8.self).contains("Public v1"))
        // The comment links the public URL, never the loop-back port.
        let comment = try s.waitForComment(on: 7) { $0.contains("https://pr-7.preview.test") }
        #expect(comment.contains("| URL | https://pr-7.preview.test"), "\(comment)")
        #expect(!comment.contains("| URL | http://127.0.0.1"))

        // A push: a client loop keeps asking while the version switches behind the route.
        let counter = SwitchCounter()
        counter.start(get)
        let second = try s.pushToPullRequest(7, branch: "public", greeting: "Public v2")
        _ = try s.waitFor("pr-7", .healthy, sha: second)
        try Eventually.wait(for: "v2 through Caddy", timeout: 30) { counter.sawV2 }
        try counter.finish()
        let summary = counter.summary
        print("route switch: \(summary.ok) answers, failures: \(summary.failures)")
        #expect(summary.ok > 10)
        // No 404, 502 or wrong answer while switching; a reset of a new TLS handshake during
        // Caddy's config reload is Caddy's (docs/routing.md) and is counted, not hidden.
        #expect(summary.failures.filter { !$0.contains("reset") && !$0.contains("SSL_ERROR_SYSCALL") && !$0.contains("code 35") }.isEmpty,
                "\(summary.failures)")

        // Caddy restarts with an empty config: the bot puts its routes back by itself.
        try caddy.restart()
        try Eventually.wait(for: "the route after Caddy's restart", timeout: 60) { (try? get())?.status == 200 }

        // Merged: the preview is torn down and its host no longer routes to anything.
        _ = try s.mergePullRequest(7, branch: "public")
        try s.waitFor("pr-7", .tornDown)
        try Eventually.wait(for: "the route to be gone", timeout: 30) { (try? get())?.status == 404 }
    }
}
