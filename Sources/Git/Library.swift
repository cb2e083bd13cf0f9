internal import CGit2
import Foundation

/// libgit2's global state, set up exactly once per process before the first call into the library.
///
/// Swift initialises a global `let` lazily and atomically, so touching `Library.ready` from
/// several threads runs `git_libgit2_init` once. The matching `git_libgit2_shutdown` is never
/// called: the library stays usable until the process exits.
enum Library {
    static let ready: Void = {
        _ = git_libgit2_init()
    }()

    /// Makes sure libgit2 is initialised; cheap after the first call.
    @inline(__always)
    static func initialise() { _ = ready }
}

/// Throws a `GitError` built from libgit2's last error when `result` is negative.
///
/// The last error is per thread and read at once, before any other libgit2 call can replace it.
@discardableResult
func check(_ result: Int32, _ function: String, redacting secret: String? = nil) throws -> Int32 {
    if result >= 0 { return result }
    throw GitError.fromLastError(function: function, code: result, redacting: secret)
}

/// Calls `body` with C strings for `strings`, valid only during the call, as a `git_strarray`.
func withStrArray<R>(_ strings: [String], _ body: (UnsafePointer<git_strarray>) throws -> R) rethrows -> R {
    let cStrings: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { for pointer in cStrings { free(pointer) } }
    var mutable = cStrings
    return try mutable.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
