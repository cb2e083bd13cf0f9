import Foundation
import Forge
import Store

/// Keeps the forge update queue in the store's key-value table, so comment and status updates
/// survive a restart (and a forge outage of any length): one pending update per key as JSON,
/// and the highest version applied per key (with when, so `StoreRetention` can forget old keys).
struct StoreForgePersistence: ForgeUpdatePersistence {
    let store: any Store
    static let pendingPrefix = "forge-pending:"
    static let appliedPrefix = "forge-applied:"

    func load() throws -> ForgeUpdateSnapshot {
        var snapshot = ForgeUpdateSnapshot()
        for (_, json) in try store.values(withPrefix: Self.pendingPrefix) {
            if let update = try? JSONDecoder().decode(ForgeUpdate.self, from: Data(json.utf8)) { snapshot.pending.append(update) }
        }
        for (_, json) in try store.values(withPrefix: Self.appliedPrefix) {
            if let applied = try? JSONDecoder().decode(Applied.self, from: Data(json.utf8)) { snapshot.applied[applied.key] = applied.version }
        }
        return snapshot
    }

    func savePending(_ update: ForgeUpdate) throws {
        try store.setValue(String(decoding: try JSONEncoder().encode(update), as: UTF8.self), forKey: Self.pendingPrefix + update.key.description)
    }

    func markApplied(key: ForgeUpdateKey, version: UInt64) throws {
        let pendingKey = Self.pendingPrefix + key.description
        if let json = try store.value(forKey: pendingKey),
           let pending = try? JSONDecoder().decode(ForgeUpdate.self, from: Data(json.utf8)), pending.version <= version {
            try store.setValue(nil, forKey: pendingKey)
        }
        try store.setValue(String(decoding: try JSONEncoder().encode(Applied(key: key, version: version, appliedAt: Date())), as: UTF8.self),
                           forKey: Self.appliedPrefix + key.description)
    }

    func removePending(key: ForgeUpdateKey, version: UInt64) throws {
        let pendingKey = Self.pendingPrefix + key.description
        if let json = try store.value(forKey: pendingKey),
           let pending = try? JSONDecoder().decode(ForgeUpdate.self, from: Data(json.utf8)), pending.version == version {
            try store.setValue(nil, forKey: pendingKey)
        }
    }

    struct Applied: Codable {
        var key: ForgeUpdateKey
        var version: UInt64
        /// When it reached the forge (absent in rows written before retention existed): the
        /// store retention forgets rows older than the job retention.
        var appliedAt: Date?
    }
}
