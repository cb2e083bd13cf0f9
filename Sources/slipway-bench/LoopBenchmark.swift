import Demo
import Foundation
import Store

/// Bot overhead around a deploy, over many PR events: from the webhook's 202 to the first build
/// step starting, and from the app answering healthy to the PR comment being updated. The app's
/// own build and start time is not counted (each interval starts or ends at a step boundary).
enum LoopBenchmark {
    static func run(events: Int, example: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-bench-loop-\(UUID().uuidString.prefix(6))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try DemoScenario(exampleDirectory: example, directory: dir, logger: .discarding)
        defer { s.shutdown() }
        _ = try s.waitFor("staging", .healthy)
        print("driving \(events) PR events (1 opened + \(events - 1) pushes) through the bot ...")
        var accepted: [String: Date] = [:]
        var commented: [String: Date] = [:]
        var sha = try s.openPullRequest(1, branch: "bench", greeting: "event 0")
        accepted[sha] = Date()
        for index in 0..<events {
            if index > 0 {
                sha = try s.pushToPullRequest(1, branch: "bench", greeting: "event \(index)")
                accepted[sha] = Date()
            }
            let short = String(sha.prefix(12))
            while true {
                if let body = s.comment(on: 1), body.contains(short), body.contains("healthy") { break }
                Thread.sleep(forTimeInterval: 0.001)
            }
            commented[sha] = Date()
        }
        s.bot.stop()
        // Build step start and health success come from the evidence records.
        var toBuild: [Double] = []
        var toComment: [Double] = []
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for entry in try s.store.evidence(environment: "pr-1", limit: events * 2) where entry.kind == "deploy" {
            guard let object = try JSONSerialization.jsonObject(with: Data(entry.record.utf8)) as? [String: Any],
                  let acceptedAt = accepted[entry.sha], let commentedAt = commented[entry.sha],
                  let steps = object["steps"] as? [[String: Any]],
                  let firstStep = steps.first?["started_at"] as? String, let stepStart = formatter.date(from: firstStep),
                  let health = (object["health"] as? [[String: Any]])?.last,
                  let healthAt = (health["at"] as? String).flatMap(formatter.date(from:)) else { continue }
            let healthyAt = healthAt.addingTimeInterval(health["latency_seconds"] as? Double ?? 0)
            toBuild.append(stepStart.timeIntervalSince(acceptedAt) * 1000)
            toComment.append(commentedAt.timeIntervalSince(healthyAt) * 1000)
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        print("")
        print("bot overhead over \(toBuild.count) deploys (ms)        p50      p95   (target p95 < 100 ms)")
        print(String(format: "  202 -> first build step starts     %7.1f  %7.1f", percentile(toBuild, 0.5), percentile(toBuild, 0.95)))
        print(String(format: "  healthy -> PR comment updated      %7.1f  %7.1f", percentile(toComment, 0.5), percentile(toComment, 0.95)))
        print(String(format: "  ratios p95 / target: %.2f and %.2f", percentile(toBuild, 0.95) / 100, percentile(toComment, 0.95) / 100))
    }
}
