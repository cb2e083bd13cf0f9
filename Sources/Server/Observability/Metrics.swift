import Foundation

/// Process-wide counters and a latency histogram, rendered in Prometheus text format.
/// Thread-safe (one lock; updates are a few adds).
public final class Metrics: @unchecked Sendable {
    /// Upper bounds of the request latency histogram, in seconds.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let lock = NSLock()
    private var deliveries: [Key: Int] = [:]
    private var requests: [String: Histogram] = [:]

    struct Key: Hashable {
        let event: String
        let outcome: String
    }

    struct Histogram {
        var counts = [Int](repeating: 0, count: Metrics.latencyBuckets.count)
        var sum = 0.0
        var count = 0
    }

    public init() {}

    /// Counts one delivery outcome (`accepted`, `duplicate`, `unauthorized`, `processed`, ...).
    public func countDelivery(event: String, outcome: String) {
        lock.lock()
        deliveries[Key(event: event, outcome: outcome), default: 0] += 1
        lock.unlock()
    }

    public func deliveryCount(event: String, outcome: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return deliveries[Key(event: event, outcome: outcome)] ?? 0
    }

    /// Observes one HTTP request's latency on `route` (the route pattern, not the raw path).
    public func observeRequest(route: String, seconds: Double) {
        lock.lock()
        var histogram = requests[route] ?? Histogram()
        for (index, bound) in Self.latencyBuckets.enumerated() where seconds <= bound {
            histogram.counts[index] += 1
        }
        histogram.sum += seconds
        histogram.count += 1
        requests[route] = histogram
        lock.unlock()
    }

    /// The Prometheus text exposition, with gauges computed by the caller.
    /// `jobsByState`: jobs per status (every status, zeros included), read from the store at
    /// scrape time.
    public func render(journalDepth: Int?, jobsByState: [String: Int]? = nil) -> String {
        lock.lock()
        let deliveries = self.deliveries
        let requests = self.requests
        lock.unlock()

        var text = "# HELP slipway_webhook_deliveries_total Webhook deliveries by event and outcome.\n"
        text += "# TYPE slipway_webhook_deliveries_total counter\n"
        for (key, value) in deliveries.sorted(by: { ($0.key.event, $0.key.outcome) < ($1.key.event, $1.key.outcome) }) {
            text += "slipway_webhook_deliveries_total{event=\(label(key.event)),outcome=\(label(key.outcome))} \(value)\n"
        }
        text += "# HELP slipway_http_request_duration_seconds HTTP request latency by route.\n"
        text += "# TYPE slipway_http_request_duration_seconds histogram\n"
        for (route, histogram) in requests.sorted(by: { $0.key < $1.key }) {
            for (index, bound) in Self.latencyBuckets.enumerated() {
                text += "slipway_http_request_duration_seconds_bucket{route=\(label(route)),le=\"\(bound)\"} \(histogram.counts[index])\n"
            }
            text += "slipway_http_request_duration_seconds_bucket{route=\(label(route)),le=\"+Inf\"} \(histogram.count)\n"
            text += "slipway_http_request_duration_seconds_sum{route=\(label(route))} \(histogram.sum)\n"
            text += "slipway_http_request_duration_seconds_count{route=\(label(route))} \(histogram.count)\n"
        }
        if let journalDepth {
            text += "# HELP slipway_journal_depth Deliveries waiting for or in processing.\n"
            text += "# TYPE slipway_journal_depth gauge\n"
            text += "slipway_journal_depth \(journalDepth)\n"
        }
        if let jobsByState {
            text += "# HELP slipway_jobs Jobs in the queue's table by state.\n"
            text += "# TYPE slipway_jobs gauge\n"
            for (state, count) in jobsByState.sorted(by: { $0.key < $1.key }) {
                text += "slipway_jobs{state=\(label(state))} \(count)\n"
            }
        }
        return text
    }

    private func label(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
