import Foundation

/// A value set once after construction (to break a reference cycle between two parts built
/// together), read from any thread.
final class Box<T: AnyObject & Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private weak var stored: T?

    var value: T? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
