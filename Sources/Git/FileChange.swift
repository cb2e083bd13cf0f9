public import Foundation

/// One change to a file in `Repository.commit(changes:...)`, keyed by its path from the root.
///
/// A value type: safe to pass between threads.
public enum FileChange: Sendable, Hashable {
    /// Create or replace a regular file with these bytes (mode 100644, or 100755 if executable).
    case write(Data, executable: Bool = false)
    /// Remove the file (or, if the path is a folder, the whole folder). Removing a path that does
    /// not exist is not an error. A folder left empty disappears, as git has no empty folders.
    case delete
}
