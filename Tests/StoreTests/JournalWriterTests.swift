import Foundation
import Store
import Synchronization
import Testing
import TestSupport

/// The SQLite journal's group commit and WAL upkeep under many concurrent callers.
@Suite("SQLite journal writer")
struct JournalWriterTests {
    @Test("many threads journaling at once each get their own outcome, and every delivery is kept", .timeLimit(.minutes(2)))
    func concurrentCallersGetTheirOwnOutcome() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-journal")
        let store = try SQLiteStore(path: directory.child("state.db"))
        let threads = 24, perThread = 40
        let accepted = Atomic<Int>(0), duplicates = Atomic<Int>(0), failures = Atomic<Int>(0)
        let group = DispatchGroup()
        for thread in 0..<threads {
            group.enter()
            Thread {
                defer { group.leave() }
                for index in 0..<perThread {
                    // Every id is sent by two threads (the pair journals the same ids): one
                    // accepted, one duplicate, whichever comes first.
                    let id = "d-\(thread / 2)-\(index)"
                    do {
                        switch try store.journal(delivery(id, body: "{\"n\":\"\(id)\"}")) {
                        case .accepted: accepted.add(1, ordering: .relaxed)
                        case .duplicate: duplicates.add(1, ordering: .relaxed)
                        }
                    } catch {
                        failures.add(1, ordering: .relaxed)
                    }
                }
            }.start()
        }
        group.wait()
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(accepted.load(ordering: .relaxed) == threads / 2 * perThread)
        #expect(duplicates.load(ordering: .relaxed) == threads / 2 * perThread)
        #expect(try store.deliveries(limit: 10_000).count == threads / 2 * perThread)
        #expect(try store.journalDepth() == threads / 2 * perThread)
    }
}
