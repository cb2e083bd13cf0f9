import Forge
import Foundation
@testable import Server
import Store
import Testing
import TestSupport

@Suite("Forge updates kept in the store")
struct ForgePersistenceTests {
    @Test("pending updates and applied versions survive a restart; an older update never replaces a newer one")
    func survivesRestart() throws {
        let dir = try TemporaryDirectory()
        let path = dir.child("state.db")
        let status = CommitStatusRequest(sha: String(repeating: "a", count: 40), context: "slipway/pr-1", state: .success,
                                         targetURL: "http://127.0.0.1:1", description: "healthy")
        do {
            let persistence = StoreForgePersistence(store: try SQLiteStore(path: path))
            try persistence.savePending(ForgeUpdate(version: 3, payload: .comment(pullRequest: 1, body: "v3"), notBefore: Date(), pendingSince: Date()))
            try persistence.savePending(ForgeUpdate(version: 4, payload: .status(status), notBefore: Date(), pendingSince: Date()))
            try persistence.markApplied(key: .status(sha: status.sha, context: status.context), version: 4)
            // A stale removal (another version) leaves the pending comment alone.
            try persistence.removePending(key: .comment(pullRequest: 1), version: 2)
        }
        let reopened = StoreForgePersistence(store: try SQLiteStore(path: path))
        let snapshot = try reopened.load()
        #expect(snapshot.pending.map(\.version) == [3])
        #expect(snapshot.pending.first?.payload == .comment(pullRequest: 1, body: "v3"))
        #expect(snapshot.applied[.status(sha: status.sha, context: status.context)] == 4)
        // The queue built on it refuses an older version for the applied key.
        let queue = try ForgeUpdateQueue(performer: NoForge(), persistence: reopened)
        #expect(queue.submit(.status(status), version: 2) == .stale(current: 4))
        #expect(queue.submit(.comment(pullRequest: 1, body: "v5"), version: 5) == .queued(version: 5))
    }
}

struct NoForge: ForgeUpdatePerformer {
    func perform(_ payload: ForgeUpdatePayload) throws(ForgeError) {}
}
