import Foundation
@testable import Store
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

    struct Refused: Error {}

    @Test("a write that fails is rolled back alone: what is committed in the same batch is kept", .timeLimit(.minutes(2)))
    func failingWriteRolledBackAlone() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-journal")
        let store = try SQLiteStore(path: directory.child("state.db"))
        let threads = 8, perThread = 30
        let refused = Atomic<Int>(0), unexpected = Atomic<Int>(0)
        let group = DispatchGroup()
        for thread in 0..<threads {
            group.enter()
            Thread {
                defer { group.leave() }
                for index in 0..<perThread {
                    do {
                        if thread % 2 == 0 {
                            // Writes, then fails: none of its write may stay.
                            try store.inTransaction("test write") { x in
                                _ = try x.change("INSERT INTO kv (key, value) VALUES (?, ?)", [.text("gone-\(thread)-\(index)"), .text("x")])
                                throw Refused()
                            }
                        } else {
                            try store.setValue("kept", forKey: "kept-\(thread)-\(index)")
                            _ = try store.journal(delivery("d-\(thread)-\(index)"))
                        }
                    } catch let error as StoreError where error.operation == "test write" && error.message == "Refused()" {
                        refused.add(1, ordering: .relaxed)
                    } catch {
                        unexpected.add(1, ordering: .relaxed)
                    }
                }
            }.start()
        }
        group.wait()
        #expect(unexpected.load(ordering: .relaxed) == 0)
        #expect(refused.load(ordering: .relaxed) == threads / 2 * perThread)
        #expect(try store.deliveries(limit: 10_000).count == threads / 2 * perThread)
        #expect(try store.values(withPrefix: "gone-").isEmpty)
        #expect(try store.values(withPrefix: "kept-").count == threads / 2 * perThread)
    }

    @Test("a write made from inside a write runs at once in its own savepoint (no deadlock on the writer thread)", .timeLimit(.minutes(1)))
    func nestedWrite() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-journal")
        let store = try SQLiteStore(path: directory.child("state.db"))
        try store.inTransaction("outer") { _ in
            try store.setValue("1", forKey: "inner")
            #expect(try store.journal(delivery("nested")) == .accepted)
            let error = #expect(throws: StoreError.self) { try store.inTransaction("failing inner") { _ in throw Refused() } }
            #expect(error?.description == "store: failing inner: Refused()")
        }
        #expect(try store.value(forKey: "inner") == "1")
        #expect(try store.delivery(id: "nested") != nil)
    }
}
