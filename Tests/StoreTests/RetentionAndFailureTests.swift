import Foundation
import SlipwayCore
import Store
import Testing
import TestSupport

extension StoreConformanceTests {
    @Test("retention removes finished deliveries and jobs past the cutoff, never pending ones, recent ones or an environment's newest job",
          arguments: Backend.allCases)
    func retentionRemovesOnlyOldFinishedRows(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let old = Date(timeIntervalSince1970: 1_000_000)
        let recent = old.addingTimeInterval(40 * 86_400)
        let cutoff = old.addingTimeInterval(30 * 86_400)
        // 600 old finished deliveries (more than one batch), one old but still pending, one recent.
        for index in 0..<600 {
            #expect(try store.journal(delivery("old-\(index)", body: "{\"n\":\(index)}", at: old)) == .accepted)
            let claimed = try #require(try store.claimDelivery(owner: "w", lease: 60, now: old))
            try store.finishDelivery(id: claimed.id, owner: "w", result: DeliveryResult(status: .processed), now: old)
        }
        #expect(try store.journal(delivery("old-pending", body: "{\"p\":1}", at: old)) == .accepted)
        #expect(try store.journal(delivery("recent", body: "{\"r\":1}", at: recent)) == .accepted)
        let claimed = try #require(try store.claimDelivery(owner: "w", lease: 60, now: recent))
        #expect(claimed.id == "old-pending")
        try store.finishDelivery(id: claimed.id, owner: "w", result: DeliveryResult(status: .processed), now: recent)

        #expect(try store.pruneDeliveries(finishedBefore: cutoff) == 600)
        #expect(try store.delivery(id: "old-0") == nil)
        #expect(try store.delivery(id: "old-pending")?.body == Data("{\"p\":1}".utf8))
        #expect(try store.delivery(id: "recent")?.status == .pending)
        #expect(try store.pruneDeliveries(finishedBefore: cutoff) == 0)

        // Jobs: two old finished ones of "a" (the newest stays), an old one of "b" still queued.
        let first = try store.enqueue([action(.create, "a", content: "1")], trigger: "t", now: old)
        let firstJob = try #require(try store.claimJob(owner: "w", lease: 60, now: old))
        #expect(firstJob.id == first.first?.id)
        try store.finishJob(id: firstJob.id, owner: "w", status: .succeeded, error: nil, now: old)
        _ = try store.enqueue([action(.update, "a", content: "2")], trigger: "t", now: old)
        let second = try #require(try store.claimJob(owner: "w", lease: 60, now: old))
        try store.finishJob(id: second.id, owner: "w", status: .failed, error: "x", now: old)
        let queued = try store.enqueue([action(.create, "b", content: "1")], trigger: "t", now: old)

        #expect(try store.pruneJobs(finishedBefore: cutoff) == 1)
        #expect(try store.job(id: firstJob.id) == nil)
        #expect(try store.job(id: second.id)?.status == .failed)
        #expect(try store.job(id: try #require(queued.first?.id))?.status == .queued)
        #expect(try store.pruneJobs(finishedBefore: cutoff) == 0)
    }

    @Test("a store that can be written passes the write check", arguments: Backend.allCases)
    func writeCheckPasses(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        try store.checkWritable()
    }
}

@Suite("A SQLite store whose files fail")
struct SQLiteFileFailureTests {
    @Test("immutable store files (chattr +i) are an error on every use, not a SIGBUS, and the store works again once they are not")
    func immutableFilesAreAnError() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-store-ro")
        let path = directory.child("state.db")
        let store = try SQLiteStore(path: path)
        #expect(try store.journal(delivery("before")) == .accepted)
        let files = [path, path + "-wal", path + "-shm"]
        try Chattr.set("+i", files)
        defer { try? Chattr.set("-i", files) }
        // Each of these would fault on the mapped -shm file (SIGBUS) if SQLite were let through.
        let journal = #expect(throws: StoreError.self) { try store.journal(delivery("during")) }
        #expect(journal?.description.contains("immutable") == true)
        #expect(throws: StoreError.self) { try store.environments() }
        #expect(throws: StoreError.self) { try store.checkWritable() }
        try Chattr.set("-i", files)
        #expect(try store.journal(delivery("after")) == .accepted)
        try store.checkWritable()
    }

    @Test("a store file deleted under the running store is an error, not writes into a file nobody will read")
    func deletedFileIsAnError() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-store-gone")
        let path = directory.child("state.db")
        let store = try SQLiteStore(path: path)
        #expect(try store.journal(delivery("before")) == .accepted)
        for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        let error = #expect(throws: StoreError.self) { try store.journal(delivery("after")) }
        #expect(error?.description.contains("is gone") == true)
        #expect(throws: StoreError.self) { try store.checkWritable() }
    }

    @Test("a full file system is an error on journaling and fails the write check")
    func fullFileSystemIsAnError() throws {
        let mount = try SmallTmpfs(sizeKiB: 4096)
        defer { mount.unmount() }
        let store = try SQLiteStore(path: mount.path + "/state.db")
        try store.checkWritable()
        try mount.fill()
        var failed = false
        for index in 0..<200 where !failed {
            let body = "{\"pad\":\"" + String(repeating: "x", count: 28_000) + "\",\"n\":\(index)}"
            do { _ = try store.journal(delivery("d-\(index)", body: body)) } catch { failed = true }
        }
        #expect(failed, "journaling into a full file system must fail")
        let error = #expect(throws: StoreError.self) { try store.checkWritable() }
        #expect(error?.description.contains("full") == true)
    }
}
