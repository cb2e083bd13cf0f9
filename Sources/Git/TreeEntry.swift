/// One entry of a git tree: a file, a folder or a submodule commit.
///
/// A value type: safe to pass between threads.
public struct TreeEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A file or symbolic link.
        case blob
        /// A folder.
        case tree
        /// A submodule (gitlink) pointing at a commit in another repository.
        case commit
    }

    /// The path from the repository root, e.g. `apps/web/values.yaml`.
    public var path: String
    /// The last path component.
    public var name: String
    public var id: ObjectID
    public var kind: Kind
    /// Mode 100755.
    public var isExecutable: Bool
    /// Mode 120000 (the blob holds the link target).
    public var isSymbolicLink: Bool

    public init(path: String, name: String, id: ObjectID, kind: Kind, isExecutable: Bool = false, isSymbolicLink: Bool = false) {
        self.path = path
        self.name = name
        self.id = id
        self.kind = kind
        self.isExecutable = isExecutable
        self.isSymbolicLink = isSymbolicLink
    }
}
