import Demo
import Docker
import Foundation
import HTTPClient
import Router
import Server
import Store
import Testing
import TestSupport

/// Container previews behind Caddy, through the real bot: a private dockerd builds and runs the
/// preview from its Dockerfile, a private Caddy routes `https://pr-N.preview.test` to the
/// container's published port, a push swaps containers behind the route, and teardown removes
/// container, image and route.
@Suite("Container previews through Caddy on a private dockerd", .dockerDaemon)
struct ContainerPublicURLTests {
    @Test("a container preview answers at https://pr-7.preview.test through Caddy; a push switches containers with no failed request; teardown leaves no container, image or route")
    func containerPreviewThroughCaddy() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        let docker = daemon.client
        let caddy = try CaddyServer.start()
        defer { caddy.stop() }
        let listen = try CaddyServer.freePort()
        var settings = RouterSettings()
        settings.kind = .caddy
        settings.previewDomain = "preview.test"
        settings.caddyAdmin = try CaddyAdminEndpoint(parsing: caddy.adminURL)
        settings.listen = "127.0.0.1:\(listen)"
        settings.tls = .internal
        let dir = try TemporaryDirectory(prefix: "slipway-e2e-container-caddy")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: .discarding, reconcileInterval: 2,
                                 docker: daemon.host, router: settings) { repository in
            _ = try repository.commit("main", ["environments/preview.yaml": ContainerLoopTests.previewSpec,
                                               "Dockerfile": ContainerLoopTests.dockerfile],
                                      message: "Previews run as containers")
        }
        defer { s.shutdown() }
        _ = try s.waitFor("staging", .healthy, sha: try s.repository.head("main"))

        let head = try s.openPullRequest(7, branch: "boxed", greeting: "Public v1")
        let preview = try s.waitFor("pr-7", .healthy, sha: head)
        #expect(preview.url == "https://pr-7.preview.test:\(listen)" || preview.url == "https://pr-7.preview.test", "\(preview.url ?? "-")")
        let labels = ["dev.slipway.environment": "pr-7"]
        #expect(try docker.listContainers(labels: labels).map { $0.labels["dev.slipway.sha"] } == [head])
        let url = "https://pr-7.preview.test:\(listen)/index.html"
        let rootCertificate = caddy.rootCertificatePath
        @Sendable func get() throws -> HTTPClientResponse {
            try HTTPClient().send(HTTPClientRequest(method: "GET", url: url, timeout: 10,
                                                    tls: HTTPClientTLSFiles(caCertificatePath: rootCertificate),
                                                    resolve: ["pr-7.preview.test:\(listen):127.0.0.1"]))
        }
        let first = try Eventually.value(of: "pr-7's container through Caddy", timeout: 30) { () -> HTTPClientResponse? in
            let response = try? get()
            return response?.status == 200 ? response : nil
        }
        let body = String(decoding: first.body, as: UTF8.self)
        #expect(body.contains("Public v1"))
        #expect(body.contains("test mode"), "the container got the preview's environment: \(body)")
        let comment = try s.waitForComment(on: 7) { $0.contains("https://pr-7.preview.test") && $0.contains(String(head.prefix(12))) }
        #expect(!comment.contains("| URL | http://127.0.0.1"), "\(comment)")

        // A push: a new image and container; a client loop keeps asking through Caddy while the
        // route moves from the old container to the new one.
        let counter = SwitchCounter()
        counter.start(get)
        let second = try s.pushToPullRequest(7, branch: "boxed", greeting: "Public v2")
        _ = try s.waitFor("pr-7", .healthy, sha: second)
        try Eventually.wait(for: "v2 through Caddy", timeout: 30) { counter.sawV2 }
        // The old container and image go once the route has moved; the loop keeps asking until then.
        try Eventually.wait(for: "the old container and image to be removed", timeout: 30) {
            try docker.listContainers(labels: labels).count == 1 && docker.listImages(labels: labels).count == 1
        }
        try counter.finish()
        #expect(try docker.listContainers(labels: labels).map { $0.labels["dev.slipway.sha"] } == [second])
        let summary = counter.summary
        let resets = summary.failures.filter { $0.contains("reset") || $0.contains("SSL_ERROR_SYSCALL") || $0.contains("code 35") }
        print("container switch through Caddy: \(summary.ok) answers, \(summary.failures.count) failures (\(resets.count) resets of a new TLS handshake during Caddy's reload)")
        #expect(summary.ok > 10)
        // No 404, 502 or wrong answer while the containers switch; a reset of a new TLS handshake
        // during Caddy's config reload is Caddy's (docs/routing.md) and is counted separately.
        #expect(summary.failures.filter { !resets.contains($0) }.isEmpty, "\(summary.failures)")

        // Caddy's configuration names the host while the preview lives (so its absence below means something).
        func caddyConfiguration() throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: try caddy.currentConfig(), options: [.fragmentsAllowed]), as: UTF8.self)
        }
        #expect(try caddyConfiguration().contains("\"pr-7.preview.test\""))

        // Merged: container, image and route are gone.
        _ = try s.mergePullRequest(7, branch: "boxed")
        try s.waitFor("pr-7", .tornDown)
        #expect(try docker.listContainers(labels: labels).isEmpty)
        #expect(try docker.listImages(labels: labels).isEmpty)
        try Eventually.wait(for: "the route to be gone", timeout: 30) { (try? get())?.status == 404 }
        #expect(try !caddyConfiguration().contains("pr-7.preview.test"), "Caddy still has a route for pr-7")
    }
}
