import Foundation
import HTTPClient
import SlipwayCore

/// HTTP GET until a 2xx, with exponential backoff, until a deadline; every attempt recorded.
struct HealthChecker: Sendable {
    var client = HTTPClient(followRedirects: false, userAgent: "slipway-health")
    var firstDelay: TimeInterval = 0.1
    var maxDelay: TimeInterval = 2
    var requestTimeout: TimeInterval = 5

    struct Outcome: Sendable {
        var healthy: Bool
        var attempts: [DeploymentReport.HealthAttempt]
        var failure: String?
    }

    /// Probes `url`. `anyStatus` accepts any HTTP answer (no health path declared: the app only
    /// has to answer). `abort` is asked between attempts: a reason stops early (the app died,
    /// the job was cancelled).
    func wait(url: String, timeout: TimeInterval, anyStatus: Bool, abort: () -> String?) -> Outcome {
        var attempts: [DeploymentReport.HealthAttempt] = []
        let deadline = Date().addingTimeInterval(timeout)
        var delay = firstDelay
        while true {
            if let reason = abort() { return Outcome(healthy: false, attempts: attempts, failure: reason) }
            let at = Date()
            let remaining = max(0.2, deadline.timeIntervalSince(at))
            var request = HTTPClientRequest(method: "GET", url: url)
            request.timeout = min(requestTimeout, remaining)
            request.connectTimeout = min(1, request.timeout)
            do {
                let response = try client.send(request)
                let latency = Date().timeIntervalSince(at)
                attempts.append(.init(at: at, status: response.status, latencySeconds: latency, error: nil))
                if anyStatus || (200..<300).contains(response.status) {
                    return Outcome(healthy: true, attempts: attempts, failure: nil)
                }
            } catch {
                attempts.append(.init(at: at, status: nil, latencySeconds: Date().timeIntervalSince(at), error: error.message))
            }
            if Date().addingTimeInterval(delay) >= deadline {
                let last = attempts.last
                let what = last?.status.map { "HTTP \($0)" } ?? last?.error ?? "no answer"
                return Outcome(healthy: false, attempts: attempts,
                               failure: "no 2xx from \(url) within \(Duration(milliseconds: Int64(timeout * 1000))) (\(attempts.count) attempts, last: \(what))")
            }
            // Sleep in small slices so an abort (cancel, app died) is seen quickly.
            let wakeAt = Date().addingTimeInterval(delay)
            while Date() < wakeAt {
                if let reason = abort() { return Outcome(healthy: false, attempts: attempts, failure: reason) }
                Thread.sleep(forTimeInterval: min(0.02, max(0, wakeAt.timeIntervalSinceNow)))
            }
            delay = min(delay * 2, maxDelay)
        }
    }
}
