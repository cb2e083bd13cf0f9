import Foundation
import SQLite
@testable import Store
import Testing
import TestSupport

/// The SQLite store keeps webhook bodies in spool files beside the database, not in the WAL.
@Suite("SQLite webhook bodies in the spool")
struct BodySpoolTests {
    static func body(_ seed: UInt8, size: Int = 28_000) -> Data {
        Data((0..<size).map { UInt8(truncatingIfNeeded: Int($0) &* 31 &+ Int(seed)) })
    }

    static func record(_ id: String, size: Int = 28_000) -> SpoolRecord {
        SpoolRecord(id: id, event: "push", receivedAt: Date(timeIntervalSince1970: 1_700_000_000), contentType: "application/json",
                    headers: "{}", bodySize: size, bodySHA256: nil)
    }

    @Test("bodies go to the spool, not the database, and come back byte for byte from a claim, a read and after a restart")
    func roundTrip() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-spool")
        let path = directory.child("state.db")
        do {
            let store = try SQLiteStore(path: path)
            for index in 0..<20 {
                #expect(try store.journal(NewDelivery(id: "d\(index)", event: "push", receivedAt: Date(), contentType: "application/json",
                                                      headers: [:], body: Self.body(UInt8(index)))) == .accepted)
            }
            let claimed = try store.claimDeliveries(owner: "w", lease: 60, now: Date(), limit: 16)
            #expect(claimed.count == 16)
            for record in claimed {
                #expect(record.body == Self.body(UInt8(Int(record.id.dropFirst())!)), "\(record.id)")
            }
        }
        let segments = try BodySpool.segments(in: path + "-bodies")
        #expect(segments == [1])
        let stored = try SQLiteConnection(path: path, readOnly: true)
        #expect(try stored.query("SELECT SUM(length(body)) AS n FROM delivery_bodies").first?.int("n") == 0, "no body bytes in the database")

        // Reopened: a new segment for new bodies; the old ones still read.
        let store = try SQLiteStore(path: path)
        #expect(try store.delivery(id: "d19")?.body == Self.body(19))
        #expect(try store.journal(NewDelivery(id: "later", event: "push", receivedAt: Date(), contentType: nil, headers: [:],
                                              body: Self.body(99))) == .accepted)
        #expect(try BodySpool.segments(in: path + "-bodies").sorted() == [1, 2])
        #expect(try store.delivery(id: "later")?.body == Self.body(99))
    }

    @Test("segments roll over at their size; a pruned segment is deleted once no row refers to it and it is quiet")
    func rolloverAndPrune() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-spool-prune")
        let spool = try BodySpool(directory: directory.child("bodies"), segmentBytes: 100_000, syncEachAppend: false)
        var locations: [BodySpool.Location] = []
        for index in 0..<10 { locations.append(try spool.append(Self.record("r\(index)"), body: Self.body(UInt8(index)))) }
        #expect(Set(locations.map(\.segment)) == [1, 2, 3, 4], "three 28 KB bodies per 100 KB segment")
        for (index, location) in locations.enumerated() {
            #expect(try spool.read(location, length: 28_000) == Self.body(UInt8(index)))
        }
        // Segment 2 is still referenced; 1 and 3 are not; 4 is being written.
        #expect(try spool.removeUnreferenced([2], quiet: 3600) == 0, "recently written segments are kept")
        #expect(try spool.removeUnreferenced([2], quiet: 0, now: Date().addingTimeInterval(1)) == 2)
        #expect(try BodySpool.segments(in: directory.child("bodies")).sorted() == [2, 4])
        #expect(throws: BodySpool.Failure.self) { try spool.read(locations[0], length: 28_000) }
    }

    @Test("pruning finished deliveries deletes their old segments; rows journaled before the spool still read")
    func storePrune() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-spool-store")
        let path = directory.child("state.db")
        let old = Date().addingTimeInterval(-40 * 86_400)
        do {
            let store = try SQLiteStore(path: path)
            #expect(try store.journal(NewDelivery(id: "old", event: "push", receivedAt: old, contentType: nil, headers: [:], body: Self.body(1))) == .accepted)
            let claimed = try #require(try store.claimDelivery(owner: "w", lease: 60, now: old))
            try store.finishDelivery(id: claimed.id, owner: "w", result: DeliveryResult(status: .processed), now: old)
        }
        // A body from before the spool: in the row, no spool columns.
        let writer = try SQLiteConnection(path: path)
        try writer.run("INSERT INTO deliveries (id, event, received_at, headers, body_size, status) VALUES ('legacy', 'push', ?, '{}', 2, 'pending')",
                       [.real(Date().timeIntervalSince1970)])
        try writer.run("INSERT INTO delivery_bodies (seq, body) SELECT seq, x'7b7d' FROM deliveries WHERE id = 'legacy'")
        let segment = path + "-bodies/000000000001.seg"
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: segment)

        let store = try SQLiteStore(path: path)
        #expect(try store.delivery(id: "legacy")?.body == Data("{}".utf8))
        #expect(try store.pruneDeliveries(finishedBefore: Date().addingTimeInterval(-30 * 86_400)) == 1)
        #expect(!FileManager.default.fileExists(atPath: segment))
        #expect(try store.delivery(id: "legacy")?.body == Data("{}".utf8))
    }

    @Test("a lost segment makes its delivery's body empty, never a failing claim")
    func lostSegment() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-spool-lost")
        let path = directory.child("state.db")
        let store = try SQLiteStore(path: path)
        #expect(try store.journal(NewDelivery(id: "x", event: "push", receivedAt: Date(), contentType: nil, headers: [:], body: Self.body(3))) == .accepted)
        try FileManager.default.removeItem(atPath: path + "-bodies/000000000001.seg")
        let claimed = try #require(try store.claimDelivery(owner: "w", lease: 60, now: Date()))
        #expect(claimed.body.isEmpty)
        #expect(claimed.bodySize == 28_000)
    }
}
