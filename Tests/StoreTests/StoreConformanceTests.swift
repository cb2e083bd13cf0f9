import Foundation
import Store
import Testing
import TestSupport

/// The backends every conformance test runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A fresh, empty store (a new file or a new database) and what keeps it alive.
    func makeStore() throws -> (any Store, AnyObject) {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "slipway-store")
            return (try SQLiteStore(path: directory.child("state.db")), directory)
        case .postgres:
            let cluster = try PostgresCluster.current()
            let name = "store_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            let conninfo = try cluster.createDatabase(name)
            return (try PostgresStore(url: conninfo), cluster)
        }
    }
}

func delivery(_ id: String, event: String = "push", body: String = "{}", at time: Date = Date()) -> NewDelivery {
    NewDelivery(id: id, event: event, receivedAt: time, contentType: "application/json",
                headers: ["X-GitHub-Event": event, "X-GitHub-Delivery": id], body: Data(body.utf8))
}

@Suite("Store conformance (SQLite and PostgreSQL)", .postgresCluster)
struct StoreConformanceTests {
    @Test("a delivery is journaled once; the same id again is a duplicate with its status", arguments: Backend.allCases)
    func journalDeduplicates(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        #expect(try store.journal(delivery("a")) == .accepted)
        #expect(try store.journal(delivery("a")) == .duplicate(.pending))
        let claimed = try #require(try store.claimDelivery(owner: "w", lease: 60, now: Date()))
        try store.finishDelivery(id: claimed.id, owner: "w", result: DeliveryResult(status: .processed, action: "opened"), now: Date())
        #expect(try store.journal(delivery("a")) == .duplicate(.processed))
        #expect(try store.deliveries(limit: 10).count == 1)
    }

    @Test("bodies come back byte for byte, headers as journaled", arguments: Backend.allCases)
    func bodiesAndHeaders(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        var bytes = [UInt8](repeating: 0, count: 70_000)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index * 31) }
        let new = NewDelivery(id: "bin", event: "push", receivedAt: Date(timeIntervalSince1970: 1_700_000_000.25),
                              contentType: "application/json", headers: ["User-Agent": "GitHub-Hookshot/1 ✓"], body: Data(bytes))
        #expect(try store.journal(new) == .accepted)
        let record = try #require(try store.delivery(id: "bin"))
        #expect(record.body == Data(bytes))
        #expect(record.bodySize == bytes.count)
        #expect(record.headers == ["User-Agent": "GitHub-Hookshot/1 ✓"])
        #expect(record.receivedAt.timeIntervalSince1970 == 1_700_000_000.25)
        #expect(record.status == .pending)
        let listed = try #require(try store.deliveries(limit: 5).first)
        #expect(listed.body.isEmpty)
        #expect(listed.bodySize == bytes.count)
        #expect(try store.delivery(id: "missing") == nil)
    }

    @Test("claims hand out the oldest pending delivery, one caller each", arguments: Backend.allCases)
    func claimsInOrder(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        for id in ["1", "2", "3"] { _ = try store.journal(delivery(id)) }
        let now = Date()
        #expect(try store.claimDelivery(owner: "a", lease: 60, now: now)?.id == "1")
        #expect(try store.claimDelivery(owner: "b", lease: 60, now: now)?.id == "2")
        #expect(try store.claimDelivery(owner: "a", lease: 60, now: now)?.id == "3")
        #expect(try store.claimDelivery(owner: "a", lease: 60, now: now) == nil)
        #expect(try store.journalDepth() == 3)
        let record = try #require(try store.delivery(id: "1"))
        #expect(record.status == .processing)
        #expect(record.attempts == 1)
    }

    @Test("an expired lease is taken again, and the old owner's result is then ignored", arguments: Backend.allCases)
    func expiredLease(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        _ = try store.journal(delivery("x"))
        let start = Date()
        #expect(try store.claimDelivery(owner: "dead", lease: 30, now: start)?.id == "x")
        #expect(try store.claimDelivery(owner: "live", lease: 30, now: start.addingTimeInterval(10)) == nil)
        let again = try #require(try store.claimDelivery(owner: "live", lease: 30, now: start.addingTimeInterval(31)))
        #expect(again.attempts == 2)
        try store.finishDelivery(id: "x", owner: "dead", result: DeliveryResult(status: .failed, reason: "late"), now: Date())
        #expect(try store.delivery(id: "x")?.status == .processing)
        try store.finishDelivery(id: "x", owner: "live", result: DeliveryResult(status: .rejected, action: "opened", reason: "bad", fieldPath: "pull_request.head.sha"), now: Date())
        let done = try #require(try store.delivery(id: "x"))
        #expect(done.status == .rejected)
        #expect(done.action == "opened")
        #expect(done.fieldPath == "pull_request.head.sha")
        #expect(done.reason == "bad")
        #expect(done.finishedAt != nil)
        #expect(try store.journalDepth() == 0)
    }

    @Test("a postponed delivery waits for its backoff", arguments: Backend.allCases)
    func postpone(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        _ = try store.journal(delivery("p"))
        let start = Date()
        _ = try store.claimDelivery(owner: "w", lease: 600, now: start)
        try store.postponeDelivery(id: "p", owner: "w", until: start.addingTimeInterval(5), reason: "forge down")
        #expect(try store.claimDelivery(owner: "w", lease: 600, now: start.addingTimeInterval(4)) == nil)
        #expect(try store.claimDelivery(owner: "w", lease: 600, now: start.addingTimeInterval(6))?.id == "p")
        #expect(try store.delivery(id: "p")?.reason == "forge down")
    }

    @Test("replay puts a finished delivery back in the queue", arguments: Backend.allCases)
    func replay(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        _ = try store.journal(delivery("r"))
        _ = try store.claimDelivery(owner: "w", lease: 60, now: Date())
        try store.finishDelivery(id: "r", owner: "w", result: DeliveryResult(status: .ignored, reason: "not handled"), now: Date())
        #expect(try store.replayDelivery(id: "r"))
        let record = try #require(try store.delivery(id: "r"))
        #expect(record.status == .pending)
        #expect(record.replays == 1)
        #expect(record.reason == nil)
        #expect(try store.replayDelivery(id: "nope") == false)
        #expect(try store.claimDelivery(owner: "w", lease: 60, now: Date())?.id == "r")
    }

    @Test("listings are newest first and limited", arguments: Backend.allCases)
    func listing(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        for index in 0..<5 { _ = try store.journal(delivery("l\(index)")) }
        #expect(try store.deliveries(limit: 3).map(\.id) == ["l4", "l3", "l2"])
    }

    @Test("concurrent claimers never take the same delivery", arguments: Backend.allCases)
    func concurrentClaims(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let total = 120
        for index in 0..<total { _ = try store.journal(delivery("c\(index)")) }
        let lock = NSLock()
        nonisolated(unsafe) var claimed: [String] = []
        nonisolated(unsafe) var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 6) { worker in
            while true {
                do {
                    guard let record = try store.claimDelivery(owner: "w\(worker)", lease: 60, now: Date()) else { return }
                    lock.lock(); claimed.append(record.id); lock.unlock()
                } catch {
                    lock.lock(); failures.append("\(error)"); lock.unlock()
                    return
                }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(claimed.count == total)
        #expect(Set(claimed).count == total)
    }

    @Test("opening a store again keeps its data and applies no migration twice", arguments: Backend.allCases)
    func reopen(backend: Backend) throws {
        switch backend {
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "slipway-store")
            do {
                let store = try SQLiteStore(path: directory.child("state.db"))
                _ = try store.journal(delivery("keep"))
            }
            let reopened = try SQLiteStore(path: directory.child("state.db"))
            #expect(try reopened.delivery(id: "keep") != nil)
            try reopened.ping()
        case .postgres:
            let cluster = try PostgresCluster.current()
            let conninfo = try cluster.createDatabase("reopen_" + UUID().uuidString.prefix(8).lowercased())
            _ = try PostgresStore(url: conninfo).journal(delivery("keep"))
            let second = try PostgresStore(url: conninfo)
            #expect(try second.delivery(id: "keep") != nil)
            try second.ping()
        }
    }

    @Test("deliveries are claimed in batches in journal order, each once, and finished together", arguments: Backend.allCases)
    func batchClaimsAndResults(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let now = Date()
        for index in 1...5 { #expect(try store.journal(delivery("b\(index)", body: "{\"n\":\(index)}")) == .accepted) }
        let first = try store.claimDeliveries(owner: "a", lease: 60, now: now, limit: 3)
        #expect(first.map(\.id) == ["b1", "b2", "b3"])
        #expect(first.allSatisfy { $0.status == .processing && $0.attempts == 1 && !$0.body.isEmpty })
        #expect(first.map(\.body) == (1...3).map { Data("{\"n\":\($0)}".utf8) })
        #expect(try store.claimDeliveries(owner: "b", lease: 60, now: now, limit: 10).map(\.id) == ["b4", "b5"])
        #expect(try store.claimDeliveries(owner: "b", lease: 60, now: now, limit: 10).isEmpty)
        #expect(try store.claimDeliveries(owner: "b", lease: 60, now: now, limit: 0).isEmpty)
        // Only the lease owner's results are kept: b4 is b's, not a's.
        try store.finishDeliveries([(id: "b1", result: DeliveryResult(status: .processed, action: "opened")),
                                    (id: "b2", result: DeliveryResult(status: .rejected, reason: "bad", fieldPath: "number")),
                                    (id: "b4", result: DeliveryResult(status: .processed))], owner: "a", now: now)
        #expect(try store.delivery(id: "b1")?.status == .processed)
        #expect(try store.delivery(id: "b1")?.action == "opened")
        #expect(try store.delivery(id: "b2")?.fieldPath == "number")
        #expect(try store.delivery(id: "b3")?.status == .processing)
        #expect(try store.delivery(id: "b4")?.status == .processing)
        #expect(try store.journalDepth() == 3)
        // An expired lease is claimed again, in journal order with what is pending.
        #expect(try store.journal(delivery("b6")) == .accepted)
        #expect(try store.claimDeliveries(owner: "c", lease: 60, now: now.addingTimeInterval(61), limit: 10).map(\.id) == ["b3", "b4", "b5", "b6"])
    }
}

@Suite("Store locations")
struct StoreLocationTests {
    @Test("sqlite paths are relative to the work dir unless absolute")
    func sqlitePaths() throws {
        #expect(try StoreLocation(parsing: "sqlite:state.db", workDir: ".slipway") == .sqlite(path: ".slipway/state.db", synchronousFull: false))
        #expect(try StoreLocation(parsing: "sqlite:/var/x.db?sync=full", workDir: "w") == .sqlite(path: "/var/x.db", synchronousFull: true))
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "sqlite:", workDir: "w") }
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "sqlite:x?fast=1", workDir: "w") }
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "mysql://x", workDir: "w") }
    }

    @Test("postgres URLs never show their password")
    func redaction() throws {
        let location = try StoreLocation(parsing: "postgres://bot:hunter2secret@db:5432/slipway", workDir: "w")
        #expect(location.description == "postgres://bot:***@db:5432/slipway")
        #expect(StoreLocation.redacted("host=db password=hunter2secret user=bot") == "host=db password=*** user=bot")
        let error = #expect(throws: StoreError.self) { try StoreLocation(parsing: "pg://bot:hunter2secret@db", workDir: "w") }
        #expect(error.map { !"\($0)".contains("hunter2secret") } == true)
    }

    @Test("a postgres store that cannot connect says so without the password")
    func connectionFailure() {
        let error = #expect(throws: (any Error).self) {
            try PostgresStore(url: "postgresql://bot:hunter2secret@127.0.0.1:1/slipway?connect_timeout=2")
        }
        #expect(error.map { !"\($0)".contains("hunter2secret") } == true)
    }
}

extension StoreConformanceTests {
    @Test("a restarted instance takes back the deliveries its workers held", arguments: Backend.allCases)
    func releaseOwnLeases(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        for id in ["a", "b", "c"] { _ = try store.journal(delivery(id)) }
        _ = try store.claimDelivery(owner: "host-1/0", lease: 600, now: Date())
        _ = try store.claimDelivery(owner: "host-1/1", lease: 600, now: Date())
        _ = try store.claimDelivery(owner: "host-10/0", lease: 600, now: Date())
        #expect(try store.releaseDeliveries(ownedBy: "host-1") == 2)
        #expect(try store.delivery(id: "a")?.status == .pending)
        #expect(try store.delivery(id: "b")?.status == .pending)
        #expect(try store.delivery(id: "c")?.status == .processing)
    }
}
