import Foundation
import SlipwayCore
import Synchronization

/// `serve`'s diagnostics: runs them at start and then every interval (an hour) on a thread of
/// its own, and keeps the latest report only (one report: bounded) for `/readyz`.
final class DiagnosticsMonitor: Sendable {
    private let diagnostics: Diagnostics
    private let latest = Latest()
    private let task: PeriodicTask

    init(diagnostics: Diagnostics, interval: TimeInterval, logger: Logger) {
        self.diagnostics = diagnostics
        let latest = self.latest
        task = PeriodicTask(name: "diagnostics", interval: interval, logger: logger) { [diagnostics] in
            let report = diagnostics.run()
            let json = report.json(pretty: false)
            latest.value.withLock { $0 = (report, json) }
            let failing = report.checks.filter { $0.status != .pass }.map { "\($0.name)=\($0.status.rawValue)" }
            return "\(report.status.rawValue): \(report.count(.fail)) failed, \(report.count(.warn)) warned, \(report.count(.pass)) passed"
                + (failing.isEmpty ? "" : " (" + failing.prefix(10).joined(separator: ", ") + ")")
        }
    }

    /// The latest report, nil until the first run ends.
    var report: DiagnosticReport? { latest.value.withLock { $0?.report } }

    /// The latest report as compact JSON, nil until the first run ends.
    var reportJSON: String? { latest.value.withLock { $0?.json } }

    func start() { task.start() }

    /// The one report kept, shared with the task's thread.
    private final class Latest: Sendable {
        let value = Mutex<(report: DiagnosticReport, json: String)?>(nil)
    }
    func stop() { task.stop() }
}
