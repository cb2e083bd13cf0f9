import Foundation
import Git
import Reconcile
import SlipwayCore
import Store
import Testing
import TestSupport

/// Log records kept in memory.
final class RecordingLogSink: LogSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [LogRecord] = []
    func emit(_ record: LogRecord) { lock.withLock { stored.append(record) } }
    var records: [LogRecord] { lock.withLock { stored } }
}

@Suite("Reconcile: broken specs on a branch are said")
struct InvalidBranchSpecsTests {
    @Test("invalid specs on main deploy nothing and are a warning once per commit, with the reason")
    func invalidBranchSpecsWarnOnce() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles.merging(["environments/staging.yaml": GitFixture.baseFiles["environments/staging.yaml"]!
            .replacingOccurrences(of: "kind: staging", with: "kind: stagging")]) { _, new in new })
        let work = try TemporaryDirectory(prefix: "slipway-work")
        let store = try SQLiteStore(path: work.child("state.db"))
        let repository = try ManagedRepository.prepare(source: git.path, workDir: work.path)
        let sink = RecordingLogSink()
        let reconciler = Reconciler(repository: repository, store: store, logger: Logger(sink: sink))
        let first = try reconciler.reconcile(trigger: "test")
        #expect(first.enqueued.isEmpty)
        _ = try reconciler.reconcile(trigger: "test")
        let warnings = sink.records.filter { $0.level == .warning && $0.message.contains("specs are invalid") }
        #expect(warnings.count == 1, "\(sink.records.map(\.message))")
        #expect(warnings.first?.metadata["reason"]?.contains("stagging") == true, "\(warnings.first?.metadata ?? [:])")
    }
}
