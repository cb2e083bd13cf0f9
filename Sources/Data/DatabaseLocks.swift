import Foundation

/// In-process locks by database name: creating a database from a template fails while any
/// session is connected to the template, and a template must not be dropped while a copy of it
/// is being made. Entries exist only while held or awaited, so the map stays bounded.
final class DatabaseLocks: @unchecked Sendable {
    static let shared = DatabaseLocks()

    private final class Entry {
        let lock = NSLock()
        var users = 0
    }

    private let mutex = NSLock()
    private var entries: [String: Entry] = [:]

    func withLock<T, E: Error>(_ name: String, _ body: () throws(E) -> T) throws(E) -> T {
        let entry = mutex.withLock {
            let entry = entries[name] ?? Entry()
            entries[name] = entry
            entry.users += 1
            return entry
        }
        entry.lock.lock()
        defer {
            entry.lock.unlock()
            mutex.withLock {
                entry.users -= 1
                if entry.users == 0 { entries[name] = nil }
            }
        }
        return try body()
    }
}
