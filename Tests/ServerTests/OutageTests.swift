import Forge
import Foundation
import Git
@testable import Server
import SlipwayCore
import Store
import Testing
import TestSupport

@Suite("Outages through the bot: store, remote, retention")
struct OutageTests {
    @Test("immutable store files: webhooks get 503, the bot stays up, /readyz says the store cannot be written; writable again, it recovers")
    func immutableStore() throws {
        let bot = try TestBot()
        #expect(try bot.deliver(event: "ping", id: "ro-1", body: TestBot.fixture("ping.json")).status == 202)
        _ = try bot.finished("ro-1")
        let path = bot.directory.child("state.db")
        let files = [path, path + "-wal", path + "-shm"]
        try Chattr.set("+i", files)
        defer { try? Chattr.set("-i", files) }
        let refused = try bot.deliver(event: "ping", id: "ro-2", body: TestBot.fixture("ping.json", nonce: "2"))
        #expect(refused.status == 503)
        let ready = try bot.get("/readyz")
        #expect(ready.status == 503)
        let text = String(decoding: ready.body, as: UTF8.self)
        #expect(text.contains("\"store\":\"failing: "), "\(text)")
        #expect(text.contains("immutable"))
        #expect(try bot.get("/healthz").status == 200, "the process is alive")
        try Chattr.set("-i", files)
        #expect(try bot.deliver(event: "ping", id: "ro-3", body: TestBot.fixture("ping.json", nonce: "3")).status == 202)
        _ = try bot.finished("ro-3")
        #expect(try bot.get("/readyz").status == 200)
    }

    @Test("a deleted store: webhooks get 503 instead of going into a file nobody reads, /readyz says it is gone")
    func deletedStore() throws {
        let bot = try TestBot()
        #expect(try bot.deliver(event: "ping", id: "gone-1", body: TestBot.fixture("ping.json")).status == 202)
        _ = try bot.finished("gone-1")
        let path = bot.directory.child("state.db")
        for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        #expect(try bot.deliver(event: "ping", id: "gone-2", body: TestBot.fixture("ping.json", nonce: "2")).status == 503)
        let ready = try bot.get("/readyz")
        #expect(ready.status == 503)
        #expect(String(decoding: ready.body, as: UTF8.self).contains("is gone"))
        #expect(try bot.get("/healthz").status == 200)
    }

    @Test("a full store: webhooks get 503 and /readyz says the file system is full; nothing crashes")
    func fullStore() throws {
        let mount = try SmallTmpfs(sizeKiB: 2048)
        defer { mount.unmount() }
        let bot = try TestBot(storePath: mount.path + "/state.db")
        #expect(try bot.get("/readyz").status == 200)
        try mount.fill()
        var statuses: [Int] = []
        for index in 0..<100 where !statuses.contains(503) {
            let body = try JSONSerialization.data(withJSONObject: ["zen": String(repeating: "z", count: 28_000), "n": index])
            statuses.append(try bot.deliver(event: "ping", id: "full-\(index)", body: body).status)
        }
        #expect(statuses.contains(503))
        let ready = try bot.get("/readyz")
        #expect(ready.status == 503)
        #expect(String(decoding: ready.body, as: UTF8.self).contains("full"))
        #expect(try bot.get("/healthz").status == 200)
    }

    @Test("serve starts on its mirror when the remote is unreachable, takes webhooks, and /readyz names the repository until a fetch works")
    func unreachableRemoteAtStart() throws {
        let git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles)
        let work = try TemporaryDirectory(prefix: "slipway-bot")
        do {
            let first = try TestBot(repo: git.path, reconcileAtStart: false, directory: work)
            #expect(try first.get("/readyz").status == 200)
            first.app.stop()
        }
        let away = git.path + ".away"
        try FileManager.default.moveItem(atPath: git.path, toPath: away)
        let bot = try TestBot(repo: git.path, reconcileAtStart: false, directory: work)
        #expect(try bot.deliver(event: "ping", id: "offline-1", body: TestBot.fixture("ping.json")).status == 202)
        _ = try bot.finished("offline-1")
        let ready = try bot.get("/readyz")
        #expect(ready.status == 503)
        let text = String(decoding: ready.body, as: UTF8.self)
        #expect(text.contains("\"repository\":\"failing: cannot fetch"), "\(text)")
        #expect(text.contains("\"store\":\"ok\""))
        try FileManager.default.moveItem(atPath: away, toPath: git.path)
        try #require(bot.app.reconciler).repository.fetch()
        #expect(try bot.get("/readyz").status == 200)
    }

    @Test("store retention removes old deliveries, jobs, forge bookkeeping and torn-down comment state, and nothing recent")
    func retention() throws {
        let bot = try TestBot()
        let store = bot.app.store
        #expect(try bot.deliver(event: "ping", id: "keep-1", body: TestBot.fixture("ping.json")).status == 202)
        _ = try bot.finished("keep-1")
        // Forge bookkeeping: one key applied 40 days ago, one today, one from before retention existed.
        let now = Date()
        let persistence = StoreForgePersistence(store: store)
        let old = ForgeUpdateKey.status(sha: String(repeating: "1", count: 40), context: "slipway/pr-1")
        let recent = ForgeUpdateKey.comment(pullRequest: 2)
        for (key, date) in [(old, now.addingTimeInterval(-40 * 86_400)), (recent, now)] {
            let applied = StoreForgePersistence.Applied(key: key, version: 7, appliedAt: date)
            try store.setValue(String(decoding: try JSONEncoder().encode(applied), as: UTF8.self), forKey: StoreForgePersistence.appliedPrefix + key.description)
        }
        try store.setValue("{\"key\":{\"comment\":{\"pullRequest\":3}},\"version\":1}", forKey: StoreForgePersistence.appliedPrefix + "comment:3")
        #expect(try persistence.load().applied.count == 3)
        // Comment state: a preview torn down 40 days ago, a live one, notices of a closed PR.
        let long = now.addingTimeInterval(-40 * 86_400)
        try store.saveEnvironment(EnvironmentRecord(name: "pr-1", kind: .preview, pullRequest: 1, sha: "a", contentID: "c", specFile: "s",
                                                    status: .tornDown, createdAt: long, updatedAt: long))
        try store.saveEnvironment(EnvironmentRecord(name: "pr-2", kind: .preview, pullRequest: 2, sha: "b", contentID: "c", specFile: "s",
                                                    status: .healthy, createdAt: long, updatedAt: long))
        for (name, number) in [("pr-1", 1), ("pr-2", 2)] {
            let section = PullRequestCommentPublisher.StoredSection(pullRequest: number, section: .init(name: name, state: .healthy, sha: "a"))
            try store.setValue(String(decoding: try JSONEncoder().encode(section), as: UTF8.self), forKey: PullRequestCommentPublisher.sectionPrefix + name)
        }
        try store.recordPullRequest(PullRequestRecord(number: 1, state: .closed, headSHA: "a", baseRef: "main", headSeenAt: long))
        try store.setValue("{\"notices\":[]}", forKey: PullRequestCommentPublisher.noticePrefix + "1")

        // Today: nothing recent goes (the undated bookkeeping row is dated now).
        let today = try bot.app.applyStoreRetention(now: now)
        #expect(today.contains("deliveries=0"))
        #expect(try store.delivery(id: "keep-1") != nil)
        #expect(try store.values(withPrefix: StoreForgePersistence.appliedPrefix).count == 2)
        #expect(try store.value(forKey: PullRequestCommentPublisher.sectionPrefix + "pr-1") == nil)
        #expect(try store.value(forKey: PullRequestCommentPublisher.sectionPrefix + "pr-2") != nil)
        #expect(try store.value(forKey: PullRequestCommentPublisher.noticePrefix + "1") == nil)
        // 31 days on: the delivery and the rest of the bookkeeping go; the live preview's section stays.
        let later = try bot.app.applyStoreRetention(now: now.addingTimeInterval(31 * 86_400))
        #expect(later.contains("deliveries=1"), "\(later)")
        #expect(try store.delivery(id: "keep-1") == nil)
        #expect(try store.values(withPrefix: StoreForgePersistence.appliedPrefix).isEmpty)
        #expect(try store.value(forKey: PullRequestCommentPublisher.sectionPrefix + "pr-2") != nil)
    }

    @Test("/metrics shows the process's resident memory")
    func residentMemory() throws {
        let bot = try TestBot()
        let text = String(decoding: try bot.get("/metrics").body, as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("process_resident_memory_bytes ") })
        #expect((Int(line.split(separator: " ")[1]) ?? 0) > 1_000_000)
    }
}
