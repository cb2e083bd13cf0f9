import Demo
import Docker
import Foundation
import Store
import Testing
import TestSupport

/// `deploy.driver: container` through the real bot: webhooks, the reconciler, the runner on a
/// private dockerd, the PR comment and the evidence.
@Suite("The full loop with container previews on a private dockerd", .dockerDaemon)
struct ContainerLoopTests {
    /// main's preview spec: the example's build step, then an image built from its Dockerfile.
    static let previewSpec = """
    kind: preview
    name: "pr-{{pr.number}}"
    match:
      pull_request: { base: main }
    build:
      - name: build
        run: "sh build.sh"
        timeout: 2m
    deploy:
      driver: container
      build: { dockerfile: Dockerfile }
      port: 8080
      resources: { memory: 64m, cpus: 0.5, pids: 64 }
    health: { path: /index.html, timeout: 30s }
    env:
      APP_ENV: preview
    secrets:
      PAYMENTS_KEY: payments-test
    neutralize:
      mail: catch-all
      crons: off
      forbid: ["sk_live_*"]
    """

    static let dockerfile = """
    FROM slipway-test/busybox
    COPY dist /www
    CMD httpd -f -p 8080 -h /www
    """

    @Test("a PR preview built from a Dockerfile answers on its URL, a push replaces its container, and the merge leaves no container or image; the image id is in the evidence")
    func containerPreview() throws {
        let daemon = try DockerDaemon.current()
        try daemon.importBusyboxImage()
        let docker = daemon.client
        let dir = try TemporaryDirectory(prefix: "slipway-e2e-container")
        let s = try DemoScenario(exampleDirectory: exampleApp, directory: dir.path, logger: testLogger(), docker: daemon.host) { repository in
            _ = try repository.commit("main", ["environments/preview.yaml": Self.previewSpec, "Dockerfile": Self.dockerfile],
                                      message: "Previews run as containers")
        }
        defer { s.shutdown() }

        let started = Date()
        let first = try s.openPullRequest(7, branch: "feature", greeting: "Hello container")
        let preview = try s.waitFor("pr-7", .healthy, sha: first)
        print("container preview through the bot: webhook to healthy in \(String(format: "%.2f", Date().timeIntervalSince(started))) s (build step and image build included)")
        let url = try #require(preview.url)
        let (status, body) = try s.fetch(url + "/index.html")
        #expect(status == 200)
        #expect(body.contains("Hello container"))
        #expect(body.contains("test mode"))
        let labels = ["dev.slipway.environment": "pr-7"]
        let containers = try docker.listContainers(labels: labels)
        #expect(containers.count == 1)
        #expect(containers.first?.labels["dev.slipway.sha"] == first)
        let comment = try s.waitForComment(on: 7) { $0.contains(String(first.prefix(12))) && $0.contains("healthy") }
        #expect(comment.contains(url))

        let second = try s.pushToPullRequest(7, branch: "feature", greeting: "Hello again")
        let updated = try s.waitFor("pr-7", .healthy, sha: second)
        #expect(try s.fetch(try #require(updated.url) + "/index.html").1.contains("Hello again"))
        // The record says healthy once the new container serves; the old one goes right after.
        try Eventually.wait(for: "the old container and image to be removed", timeout: 30) {
            try docker.listContainers(labels: labels).count == 1 && docker.listImages(labels: labels).count == 1
        }
        #expect(try docker.listContainers(labels: labels).map { $0.labels["dev.slipway.sha"] } == [second])

        _ = try s.mergePullRequest(7, branch: "feature")
        try s.waitFor("pr-7", .tornDown)
        #expect(try docker.listContainers(labels: labels).isEmpty)
        #expect(try docker.listImages(labels: labels).isEmpty)

        s.shutdown()
        let evidence = try gitCLI(s.repository.path, ["ls-tree", "-r", "--name-only", "slipway/evidence"])
        let deploys = evidence.split(separator: "\n").filter { $0.contains("/pr-7/") && $0.contains("-deploy/") && $0.hasSuffix("record.json") }
        #expect(deploys.count == 2)
        for path in deploys {
            let record = try gitCLI(s.repository.path, ["show", "slipway/evidence:\(path)"])
            #expect(record.contains("\"image\" : {"), "\(record)")
            #expect(record.contains("\"id\" : \"sha256:"))
            #expect(record.contains("\"built\" : true"))
        }
    }
}
