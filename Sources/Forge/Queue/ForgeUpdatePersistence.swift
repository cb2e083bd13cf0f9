import Foundation
import Synchronization

/// Where `ForgeUpdateQueue` keeps its state so updates survive a restart. The queue calls these
/// while holding its lock: each must be one quick write (a row upsert), and must not call back
/// into the queue.
///
/// What must be persisted, exactly (the lead backs this with the store's job table):
/// - per key (`ForgeUpdateKey.description`), at most one pending update: the whole
///   `ForgeUpdate` (JSON), replaced when a newer version arrives or a retry is scheduled;
/// - per key, the highest version applied to the forge (`appliedVersion`), kept after the pending
///   row is removed, so an older update arriving later (another replica, a replayed job) is refused.
///   Rows for keys untouched for longer than the longest TTL may be pruned;
/// - nothing else: versions come from the caller (or the queue's counter, seeded from the highest
///   version loaded), and backoff state travels inside `ForgeUpdate`.
public protocol ForgeUpdatePersistence: Sendable {
    /// Everything saved, read once when the queue is created.
    func load() throws -> ForgeUpdateSnapshot
    /// Inserts or replaces the pending update of `update.key`.
    func savePending(_ update: ForgeUpdate) throws
    /// Records that `version` of `key` reached the forge: removes the pending update of `key` when
    /// its version is `<= version`, and raises the applied version of `key` to `version`.
    func markApplied(key: ForgeUpdateKey, version: UInt64) throws
    /// Removes the pending update of `key` if its version is `version` (given up, or superseded).
    func removePending(key: ForgeUpdateKey, version: UInt64) throws
}

/// The persisted state: pending updates and the applied version per key.
public struct ForgeUpdateSnapshot: Sendable, Equatable {
    public var pending: [ForgeUpdate]
    public var applied: [ForgeUpdateKey: UInt64]

    public init(pending: [ForgeUpdate] = [], applied: [ForgeUpdateKey: UInt64] = [:]) {
        self.pending = pending
        self.applied = applied
    }
}

/// A persistence in memory: survives a queue restart within the process (tests, and the default
/// until the store backs it).
public final class InMemoryForgeUpdatePersistence: ForgeUpdatePersistence {
    private let state = Mutex<(pending: [ForgeUpdateKey: ForgeUpdate], applied: [ForgeUpdateKey: UInt64])>(([:], [:]))

    public init() {}

    public func load() throws -> ForgeUpdateSnapshot {
        state.withLock { ForgeUpdateSnapshot(pending: Array($0.pending.values), applied: $0.applied) }
    }

    public func savePending(_ update: ForgeUpdate) throws {
        state.withLock { $0.pending[update.key] = update }
    }

    public func markApplied(key: ForgeUpdateKey, version: UInt64) throws {
        state.withLock { state in
            if let pending = state.pending[key], pending.version <= version { state.pending[key] = nil }
            state.applied[key] = max(state.applied[key] ?? 0, version)
        }
    }

    public func removePending(key: ForgeUpdateKey, version: UInt64) throws {
        state.withLock { state in
            if state.pending[key]?.version == version { state.pending[key] = nil }
        }
    }
}
