import Foundation
@testable import Store
import Synchronization
import Testing

/// The spool indexer refuses deliveries while its commits fail, and takes them again as soon as
/// the store is back: not only once its backoff (up to 5 s) has run out.
@Suite("SQLite journal: the spool indexer after a failed commit")
struct SpoolIndexerTests {
    struct Broken: Error {}

    static func entry(_ id: String) -> SpoolIndexer.Entry {
        let record = SpoolRecord(id: id, event: "push", receivedAt: Date(timeIntervalSince1970: 1_800_000_000), contentType: nil,
                                 headers: "{}", bodySize: 0, bodySHA256: "hash-\(id)")
        return SpoolIndexer.Entry(record: record, body: BodySpool.Location(segment: 1, offset: 0), end: BodySpool.Location(segment: 1, offset: 1))
    }

    @Test("a failed commit refuses the next delivery; once commits work, the next delivery is taken at once and the queued one is committed")
    func retriesWhenAsked() throws {
        let broken = Atomic<Bool>(true)
        let committed = Mutex<[String]>([])
        let indexer = SpoolIndexer { entries in
            if broken.load(ordering: .sequentiallyConsistent) { throw Broken() }
            committed.withLock { $0 += entries.map(\.record.id) }
        }
        defer { indexer.stop() }
        #expect(try indexer.reserve(id: "a", hash: "hash-a"))
        indexer.enqueue(Self.entry("a"))
        indexer.flush()  // returns on the failure
        // The store still fails: the retry the delivery asks for fails too, and it is refused.
        #expect(throws: Broken.self) { try indexer.reserve(id: "b", hash: "hash-b") }
        // More failed tries grow the thread's backoff; it must not decide when "c" is taken.
        for _ in 0..<4 { #expect(throws: Broken.self) { try indexer.reserve(id: "x", hash: "hash-x") } }
        broken.store(false, ordering: .sequentiallyConsistent)
        #expect(try indexer.reserve(id: "c", hash: "hash-c"))
        #expect(committed.withLock { $0 } == ["a"])
        #expect(indexer.isPending(id: "c"))
        #expect(!indexer.isPending(id: "a"))
    }
}
