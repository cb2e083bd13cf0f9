import Foundation
import SQLite
import Synchronization
@testable import Store
import Testing
import TestSupport

/// The SQLite store answers a delivery once its record is in the spool and commits its row
/// behind the answer: what was answered and not yet indexed when the process died is indexed at
/// the next open, once, and nothing else is.
@Suite("SQLite journal: spool records indexed again at open")
struct SpoolRecoveryTests {
    static func delivery(_ id: String, seed: UInt8, hash: String? = nil) -> NewDelivery {
        NewDelivery(id: id, event: "push", receivedAt: Date(timeIntervalSince1970: 1_800_000_000), contentType: "application/json",
                    headers: ["X-GitHub-Event": "push"], body: BodySpoolTests.body(seed, size: 5_000), bodySHA256: hash ?? "hash-\(id)")
    }

    @Test("a record round-trips through its bytes; a record cut anywhere is not one")
    func recordFormat() throws {
        let record = SpoolRecord(id: "d-1", event: "pull_request", receivedAt: Date(timeIntervalSince1970: 1_800_000_000.25),
                                 contentType: "application/json", headers: "{\"User-Agent\":\"GitHub-Hookshot/1\"}", bodySize: 3,
                                 bodySHA256: "ab12")
        let bytes = record.prefix() + Array("{}\n".utf8)
        let lengths = try #require(bytes.withUnsafeBytes { SpoolRecord.lengths(header: $0) })
        #expect(lengths.body == 3)
        let meta = Array(bytes[SpoolRecord.headerSize..<SpoolRecord.headerSize + lengths.meta])
        #expect(meta.withUnsafeBytes { SpoolRecord.parse(meta: $0, bodySize: 3) } == record)
        var bare = record
        bare.contentType = nil
        bare.bodySHA256 = nil
        let bareMeta = Array(bare.prefix().dropFirst(SpoolRecord.headerSize))
        #expect(bareMeta.withUnsafeBytes { SpoolRecord.parse(meta: $0, bodySize: 3) } == bare)
        for cut in 0..<meta.count {
            #expect(Array(meta.prefix(cut)).withUnsafeBytes { SpoolRecord.parse(meta: $0, bodySize: 3) } == nil, "meta cut at \(cut)")
        }
        #expect(Array("{\"not\":\"a record\"}".utf8).withUnsafeBytes { SpoolRecord.lengths(header: $0) } == nil)
    }

    @Test("records answered but not indexed before a crash are indexed at open, once; a torn last record is not; pruned ones stay pruned")
    func crashRecovery() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-spool-recovery")
        let path = directory.child("state.db")
        do {
            let store = try SQLiteStore(path: path)
            #expect(try store.journal(Self.delivery("before", seed: 1)) == .accepted)
            let claimed = try #require(try store.claimDelivery(owner: "w", lease: 60, now: Date()))
            try store.finishDelivery(id: claimed.id, owner: "w", result: DeliveryResult(status: .processed), now: Date(timeIntervalSince1970: 1))
        }
        // What a bot killed behind its answers leaves: two whole records past the watermark, and
        // one cut short inside write(2).
        do {
            let spool = try BodySpool(directory: path + "-bodies", syncEachAppend: false)
            for (id, seed) in [("lost-1", UInt8(2)), ("lost-2", UInt8(3))] {
                let delivery = Self.delivery(id, seed: seed)
                try spool.append(SpoolRecord(id: id, event: delivery.event, receivedAt: delivery.receivedAt, contentType: delivery.contentType,
                                             headers: "{\"X-GitHub-Event\":\"push\"}", bodySize: delivery.body.count,
                                             bodySHA256: delivery.bodySHA256), body: delivery.body)
            }
            let torn = SpoolRecord(id: "torn", event: "push", receivedAt: Date(), contentType: nil, headers: "{}", bodySize: 5_000, bodySHA256: nil)
            let segment = spool.path(try BodySpool.segments(in: path + "-bodies").max()!)
            let handle = try #require(FileHandle(forWritingAtPath: segment))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(torn.prefix()) + BodySpoolTests.body(9, size: 1_000))
            try handle.close()
        }
        // The processed delivery is pruned now; it must not come back from its record.
        do {
            let store = try SQLiteStore(path: path)
            #expect(try store.pruneDeliveries(finishedBefore: Date(timeIntervalSince1970: 2)) == 1)
            #expect(try store.delivery(id: "before") == nil)
            let ids = try store.deliveries(limit: 10).map(\.id)
            #expect(ids.sorted() == ["lost-1", "lost-2"], "\(ids)")
            let claimed = try store.claimDeliveries(owner: "w", lease: 60, now: Date(), limit: 10)
            #expect(claimed.map(\.id) == ["lost-1", "lost-2"], "in spool order")
            #expect(claimed.first?.body == BodySpoolTests.body(2, size: 5_000))
            #expect(claimed.first?.headers == ["X-GitHub-Event": "push"])
            #expect(claimed.first?.receivedAt == Date(timeIntervalSince1970: 1_800_000_000))
            // A redelivery of an indexed record is a duplicate, by id and by body.
            #expect(try store.journal(Self.delivery("lost-1", seed: 2)) == .duplicate(.processing))
            #expect(try store.journal(Self.delivery("other-id", seed: 2, hash: "hash-lost-2")) == .duplicate(.processing))
        }
        let store = try SQLiteStore(path: path)
        #expect(try store.deliveries(limit: 10).map(\.id).sorted() == ["lost-1", "lost-2"], "indexed once; the pruned one stays pruned")
    }

    @Test("a delivery is a duplicate while its row waits to be committed, and reads see it at once")
    func pendingDuplicates() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-spool-pending")
        let store = try SQLiteStore(path: directory.child("state.db"))
        let results = Mutex<[Result<JournalOutcome, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            // Half the same id, half the same body under new ids.
            let delivery = index % 2 == 0 ? Self.delivery("same", seed: 1, hash: "h-\(index)") : Self.delivery("new-\(index)", seed: 1, hash: "h-shared")
            let outcome = Result { try store.journal(delivery) }
            results.withLock { $0.append(outcome) }
        }
        let outcomes = try results.withLock { $0 }.map { try $0.get() }
        #expect(outcomes.filter { $0 == .accepted }.count == 2, "one per id, one per body: \(outcomes)")
        #expect(try store.delivery(id: "same")?.status == .pending)
        #expect(try store.journalDepth() == 2)
    }
}
