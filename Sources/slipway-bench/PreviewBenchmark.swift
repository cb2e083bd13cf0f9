import Demo
import Docker
import Foundation
import HTTPClient
import Router
import Server
import SlipwayCore
import Store

/// `slipway-bench preview`: the time from a pull request's webhook to the first successful
/// response at its public URL through Caddy, with and without the app's own build (its build
/// steps' durations, from the evidence, are subtracted). With `--docker-host`, previews use the
/// container driver on that daemon: each PR's image is built from the example's Dockerfile on a
/// busybox base image the bench imports, and the image build's share is reported separately (it
/// counts towards the figure: the goal is for a container whose image is built).
enum PreviewBenchmark {
    /// main's preview spec for the container run: the example's build step, then an image.
    static let containerSpec = """
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
    FROM \(BusyboxBaseImage.repository)
    COPY dist /www
    CMD httpd -f -p 8080 -h /www
    """

    static func run(caddyAdmin: String, listen: Int, rootCertificate: String, pullRequests: Int, example: String, dockerHost: String?) throws {
        var settings = RouterSettings()
        settings.kind = .caddy
        settings.previewDomain = "preview.bench"
        settings.caddyAdmin = try CaddyAdminEndpoint(parsing: caddyAdmin)
        settings.listen = "127.0.0.1:\(listen)"
        settings.tls = .internal
        let docker = try dockerHost.map { try DockerHost(parsing: $0) }
        if let docker {
            let started = Date()
            let id = try BusyboxBaseImage.importInto(docker)
            print(String(format: "base image %@ imported as %@:latest in %.2f s", String(id.prefix(19)), BusyboxBaseImage.repository,
                         Date().timeIntervalSince(started)))
        }
        let driver = docker == nil ? "process driver" : "container driver"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-preview-bench-\(UUID().uuidString.prefix(6))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // SLIPWAY_BENCH_LOG=1 shows the bot's log on stderr (why a preview never answers).
        let logger: Logger = ProcessInfo.processInfo.environment["SLIPWAY_BENCH_LOG"] == nil ? .discarding
            : Logger(sink: StandardErrorLogSink(format: .text), minimumLevel: .info, redactor: Redactor())
        let s = try DemoScenario(exampleDirectory: example, directory: directory, logger: logger, docker: docker, router: settings) { repository in
            guard docker != nil else { return }
            _ = try repository.commit("main", ["environments/preview.yaml": containerSpec, "Dockerfile": dockerfile],
                                      message: "Previews run as containers")
        }
        defer { s.shutdown() }
        _ = try s.waitFor("staging", .healthy, sha: try s.repository.head("main"))
        var totals: [Double] = []
        var builds: [Double] = []
        var images: [Double] = []
        for index in 0..<pullRequests {
            let number = 100 + index
            let branch = "bench-\(number)"
            let head = try s.repository.commit(branch, ["app/index.html": DemoScenario.page("Bench \(number)")], message: "Bench \(number)")
            try s.repository.setPullHead(number, head)
            s.forge.addPullRequest(number: number, headSHA: head, headRef: branch)
            let host = "pr-\(number).preview.bench"
            let request = HTTPClientRequest(method: "GET", url: "https://\(host):\(listen)/index.html", connectTimeout: 2, timeout: 5,
                                            tls: HTTPClientTLSFiles(caCertificatePath: rootCertificate), resolve: ["\(host):\(listen):127.0.0.1"])
            let client = HTTPClient()
            let started = Date()
            try s.expectAccepted(s.deliver(event: "pull_request", s.payloads.pullRequest(action: "opened", number: number, headSHA: head, headRef: branch)))
            var answered: Date?
            while answered == nil, Date().timeIntervalSince(started) < 120 {
                if let response = try? client.send(request), response.status == 200,
                   String(decoding: response.body, as: UTF8.self).contains("Bench \(number)") {
                    answered = Date()
                } else {
                    Thread.sleep(forTimeInterval: 0.005)
                }
            }
            guard let answered else {
                let record = try s.store.environment(named: "pr-\(number)")
                throw DemoError("pr-\(number) never answered through Caddy (\(record.map { "\($0.status.rawValue): \($0.lastError ?? "-")" } ?? "no record"))")
            }
            let total = answered.timeIntervalSince(started)
            // The app's build steps' time and the image build's, from the deploy's evidence.
            var build = 0.0
            var image = 0.0
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if let entry = try s.store.evidence(environment: "pr-\(number)", limit: 5).first(where: { $0.kind == "deploy" && $0.outcome == "succeeded" }),
                   let record = try? JSONSerialization.jsonObject(with: Data(entry.record.utf8)) as? [String: Any],
                   let steps = record["steps"] as? [[String: Any]] {
                    func seconds(_ include: (String) -> Bool) -> Double {
                        steps.filter { include($0["name"] as? String ?? "") }.compactMap { $0["duration_seconds"] as? Double }.reduce(0, +)
                    }
                    build = seconds { $0.hasPrefix("build") && $0 != "build: image" }
                    image = seconds { $0 == "build: image" }
                    break
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            totals.append(total)
            builds.append(build)
            images.append(image)
            if docker == nil {
                print(String(format: "pr-%d: %.3f s from webhook to a 200 through Caddy (build steps %.3f s, without them %.3f s)", number, total, build, total - build))
            } else {
                print(String(format: "pr-%d: %.3f s from webhook to a 200 through Caddy (app build steps %.3f s; without them %.3f s, of which the image build %.3f s)",
                             number, total, build, total - build, image))
            }
        }
        let without = zip(totals, builds).map { $0 - $1 }.sorted()
        let median = without[without.count / 2]
        let goal = docker == nil ? 1.0 : 3.0
        print(String(format: "%@: median %.3f s webhook -> first 200 through Caddy without the app's build (worst %.3f s, %d previews); goal < %.0f s: %@",
                     driver, median, without.last ?? 0, without.count, goal, median < goal ? "met" : "NOT met"))
        if docker != nil {
            let sortedImages = images.sorted()
            let imageMedian = sortedImages[sortedImages.count / 2]
            print(String(format: "container driver: the image build's share: median %.3f s (worst %.3f s); without it %.3f s",
                         imageMedian, sortedImages.last ?? 0, median - imageMedian))
        }
    }
}
