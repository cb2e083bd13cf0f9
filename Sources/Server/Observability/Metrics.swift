import Foundation

/// Process-wide counters and latency histograms, rendered in Prometheus text format.
/// Thread-safe (one lock; updates are a few adds).
public final class Metrics: @unchecked Sendable {
    /// Upper bounds of the request latency histogram, in seconds.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Upper bounds of the reconcile duration histogram, in seconds.
    public static let reconcileBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

    private let lock = NSLock()
    private var deliveries: [Key: Int] = [:]
    private var requests: [String: Histogram] = [:]
    private var reconciles: [Key: Int] = [:]
    private var reconcileDurations = Histogram(buckets: Metrics.reconcileBuckets)
    private var reconcileMarks = 0
    private var coalescedMarks = 0
    private var marksWaiting = 0

    struct Key: Hashable {
        let event: String
        let outcome: String
    }

    struct Histogram {
        let bounds: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0

        init(buckets: [Double]) {
            bounds = buckets
            counts = [Int](repeating: 0, count: buckets.count)
        }

        mutating func observe(_ value: Double) {
            for (index, bound) in bounds.enumerated() where value <= bound { counts[index] += 1 }
            sum += value
            count += 1
        }
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
        requests[route, default: Histogram(buckets: Self.latencyBuckets)].observe(seconds)
        lock.unlock()
    }

    /// Observes one reconcile: why it ran (`delivery`: marked dirty; `tick`: the periodic
    /// one), whether it succeeded, how long it took, and how many marks it covered (all but
    /// one of them count as coalesced).
    public func observeReconcile(cause: String, succeeded: Bool, seconds: Double, marks: Int) {
        lock.lock()
        reconciles[Key(event: cause, outcome: succeeded ? "succeeded" : "failed"), default: 0] += 1
        reconcileDurations.observe(seconds)
        reconcileMarks += marks
        coalescedMarks += max(0, marks - 1)
        lock.unlock()
    }

    /// Marks (deliveries asking for a reconcile) that no reconcile has picked up yet.
    public func setReconcileMarksWaiting(_ count: Int) {
        lock.lock()
        marksWaiting = count
        lock.unlock()
    }

    /// Reconciles run so far, whatever their cause and outcome.
    public var reconcileCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return reconciles.values.reduce(0, +)
    }

    /// Marks covered by a reconcile another mark had already asked for.
    public var coalescedMarkCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return coalescedMarks
    }

    /// The Prometheus text exposition, with gauges computed by the caller.
    /// `jobsByState`: jobs per status (every status, zeros included), read from the store at
    /// scrape time.
    public func render(journalDepth: Int?, jobsByState: [String: Int]? = nil) -> String {
        lock.lock()
        let deliveries = self.deliveries
        let requests = self.requests
        let reconciles = self.reconciles
        let reconcileDurations = self.reconcileDurations
        let (reconcileMarks, coalescedMarks, marksWaiting) = (self.reconcileMarks, self.coalescedMarks, self.marksWaiting)
        lock.unlock()

        var text = "# HELP slipway_webhook_deliveries_total Webhook deliveries by event and outcome.\n"
        text += "# TYPE slipway_webhook_deliveries_total counter\n"
        for (key, value) in deliveries.sorted(by: { ($0.key.event, $0.key.outcome) < ($1.key.event, $1.key.outcome) }) {
            text += "slipway_webhook_deliveries_total{event=\(label(key.event)),outcome=\(label(key.outcome))} \(value)\n"
        }
        text += "# HELP slipway_http_request_duration_seconds HTTP request latency by route.\n"
        text += "# TYPE slipway_http_request_duration_seconds histogram\n"
        for (route, histogram) in requests.sorted(by: { $0.key < $1.key }) {
            text += render(histogram, name: "slipway_http_request_duration_seconds", labels: "route=\(label(route)),")
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
        text += "# HELP slipway_reconciles_total Reconciles run, by cause (delivery: marked dirty; tick: periodic) and outcome.\n"
        text += "# TYPE slipway_reconciles_total counter\n"
        for (key, value) in reconciles.sorted(by: { ($0.key.event, $0.key.outcome) < ($1.key.event, $1.key.outcome) }) {
            text += "slipway_reconciles_total{cause=\(label(key.event)),outcome=\(label(key.outcome))} \(value)\n"
        }
        text += "# HELP slipway_reconcile_duration_seconds How long reconciles took (fetch, forge listing, plan, enqueue).\n"
        text += "# TYPE slipway_reconcile_duration_seconds histogram\n"
        text += render(reconcileDurations, name: "slipway_reconcile_duration_seconds", labels: "")
        text += "# HELP slipway_reconcile_marks_total Deliveries that marked the repository dirty and were covered by a reconcile.\n"
        text += "# TYPE slipway_reconcile_marks_total counter\n"
        text += "slipway_reconcile_marks_total \(reconcileMarks)\n"
        text += "# HELP slipway_reconcile_marks_coalesced_total Marks folded into a reconcile another mark had already asked for.\n"
        text += "# TYPE slipway_reconcile_marks_coalesced_total counter\n"
        text += "slipway_reconcile_marks_coalesced_total \(coalescedMarks)\n"
        text += "# HELP slipway_reconcile_marks_waiting Marks no reconcile has picked up yet.\n"
        text += "# TYPE slipway_reconcile_marks_waiting gauge\n"
        text += "slipway_reconcile_marks_waiting \(marksWaiting)\n"
        return text
    }

    private func render(_ histogram: Histogram, name: String, labels: String) -> String {
        var text = ""
        for (index, bound) in histogram.bounds.enumerated() {
            text += "\(name)_bucket{\(labels)le=\"\(bound)\"} \(histogram.counts[index])\n"
        }
        text += "\(name)_bucket{\(labels)le=\"+Inf\"} \(histogram.count)\n"
        let plain = labels.isEmpty ? "" : "{\(labels.dropLast())}"
        text += "\(name)_sum\(plain) \(histogram.sum)\n"
        text += "\(name)_count\(plain) \(histogram.count)\n"
        return text
    }

    private func label(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
