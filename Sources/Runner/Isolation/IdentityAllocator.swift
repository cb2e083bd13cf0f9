import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Gives each environment a uid (and the same gid) of its own from a range, kept in the store's
/// key-value table (`isolation-uid:<environment>` → uid) so a restart of the bot, or another
/// replica, keeps it; released when the environment is torn down.
///
/// A new uid is taken from the store's shared counter (`nextCounter`), which never returns the
/// same number twice, so two allocations running at once (two workers, two replicas) try
/// different candidates; a candidate held by another environment, equal to the bot's own uid, or
/// known to the host as a user or group, is skipped.
final class IdentityAllocator: @unchecked Sendable {
    static let keyPrefix = "isolation-uid:"
    static let counter = "isolation-uid"

    private let store: any Store
    let base: UInt32
    let count: UInt32
    private let lock = NSLock()

    init(store: any Store, base: UInt32, count: UInt32) {
        self.store = store
        self.base = base
        self.count = count
    }

    /// The uid `environment` holds, if any.
    func existing(_ environment: String) throws(RunnerError) -> IsolationIdentity? {
        do {
            guard let text = try store.value(forKey: Self.keyPrefix + environment), let uid = UInt32(text) else { return nil }
            return IsolationIdentity(uid: uid, gid: uid)
        } catch {
            throw RunnerError("cannot read the uid of \(environment) from the store: \(error)")
        }
    }

    /// The uid of `environment`: the one it holds, or a free one from the range.
    func identity(for environment: String) throws(RunnerError) -> IsolationIdentity {
        lock.lock()
        defer { lock.unlock() }
        if let held = try existing(environment) { return held }
        guard count > 0, UInt64(base) + UInt64(count) <= UInt64(UInt32.max) else {
            throw RunnerError("the isolation uid range \(base)+\(count) is empty or beyond 2^32")
        }
        do {
            let taken = Set(try store.values(withPrefix: Self.keyPrefix).values.compactMap { UInt32($0) })
            let own = getuid()
            for _ in 0..<count {
                let number = try store.nextCounter(Self.counter)
                let candidate = base + UInt32((UInt64(max(number, 1)) - 1) % UInt64(count))
                // Never the bot's uid, nor a user or group the host knows.
                if candidate == own || candidate == 0 || taken.contains(candidate) || getpwuid(candidate) != nil
                    || getgrgid(candidate) != nil { continue }
                try store.setValue(String(candidate), forKey: Self.keyPrefix + environment)
                return IsolationIdentity(uid: candidate, gid: candidate)
            }
        } catch {
            throw RunnerError("cannot allocate a uid for \(environment) in the store: \(error)")
        }
        throw RunnerError("every uid of the isolation range \(base)..<\(base + count) is held by an environment; tear some down or widen the range")
    }

    /// Frees the uid of `environment` (after its processes and files are gone).
    func release(_ environment: String) throws(RunnerError) {
        lock.lock()
        defer { lock.unlock() }
        do {
            try store.setValue(nil, forKey: Self.keyPrefix + environment)
        } catch {
            throw RunnerError("cannot release the uid of \(environment) in the store: \(error)")
        }
    }
}
