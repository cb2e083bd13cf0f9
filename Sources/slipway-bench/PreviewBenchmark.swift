import Demo
import Foundation
import HTTPClient
import Router
import Server
import SlipwayCore
import Store

/// `slipway-bench preview`: the time from a pull request's webhook to the first successful
/// response at its public URL through Caddy, for the process driver, with and without the app's
/// own build (its build steps' durations, from the evidence, are subtracted).
enum PreviewBenchmark {
    static func run(caddyAdmin: String, listen: Int, rootCertificate: String, pullRequests: Int, example: String) throws {
        var settings = RouterSettings()
        settings.kind = .caddy
        settings.previewDomain = "preview.bench"
        settings.caddyAdmin = try CaddyAdminEndpoint(parsing: caddyAdmin)
        settings.listen = "127.0.0.1:\(listen)"
        settings.tls = .internal
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-preview-bench-\(UUID().uuidString.prefix(6))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s = try DemoScenario(exampleDirectory: example, directory: directory, logger: .discarding, router: settings)
        defer { s.shutdown() }
        _ = try s.waitFor("staging", .healthy, sha: try s.repository.head("main"))
        var totals: [Double] = []
        var builds: [Double] = []
        for index in 0..<pullRequests {
            let number = 100 + index
            let branch = "bench-\(number)"
            let head = try s.repository.commit(branch, ["app/index.html": DemoScenario.page("Bench \(number)")], message: "Bench \(number)")
            try s.repository.setPullHead(number, head)
            s.forge.addPullRequest(number: number, headSHA: head, headRef: branch)
            let host = "pr-\(number).preview.bench"
            let request = HTTPClientRequest(method: "GET", url: "https://\(host):\(listen)/", connectTimeout: 2, timeout: 5,
                                            tls: HTTPClientTLSFiles(caCertificatePath: rootCertificate), resolve: ["\(host):\(listen):127.0.0.1"])
            let client = HTTPClient()
            let started = Date()
            try s.expectAccepted(s.deliver(event: "pull_request", s.payloads.pullRequest(action: "opened", number: number, headSHA: head, headRef: branch)))
            var answered: Date?
            while answered == nil, Date().timeIntervalSince(started) < 60 {
                if let response = try? client.send(request), response.status == 200,
                   String(decoding: response.body, as: UTF8.self).contains("Bench \(number)") {
                    answered = Date()
                } else {
                    Thread.sleep(forTimeInterval: 0.005)
                }
            }
            guard let answered else { throw DemoError("pr-\(number) never answered through Caddy") }
            let total = answered.timeIntervalSince(started)
            // The build steps' time, from the deploy's evidence.
            var build = 0.0
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if let entry = try s.store.evidence(environment: "pr-\(number)", limit: 5).first(where: { $0.kind == "deploy" && $0.outcome == "succeeded" }),
                   let record = try? JSONSerialization.jsonObject(with: Data(entry.record.utf8)) as? [String: Any],
                   let steps = record["steps"] as? [[String: Any]] {
                    build = steps.filter { ($0["name"] as? String ?? "").hasPrefix("build") }.compactMap { $0["duration_seconds"] as? Double }.reduce(0, +)
                    break
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            totals.append(total)
            builds.append(build)
            print(String(format: "pr-%d: %.3f s from webhook to a 200 through Caddy (build steps %.3f s, without them %.3f s)", number, total, build, total - build))
        }
        let without = zip(totals, builds).map { $0 - $1 }.sorted()
        let median = without[without.count / 2]
        print(String(format: "process driver: median %.3f s webhook -> first 200 through Caddy without the app's build (worst %.3f s, %d previews); goal < 1 s: %@",
                     median, without.last ?? 0, without.count, median < 1 ? "met" : "NOT met"))
        print("container driver: not measured by this bench (ContainerLoopTests times webhook -> healthy through the real bot)")
    }
}
