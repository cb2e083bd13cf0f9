/// A git reference (branch, tag, remote-tracking ref, `refs/pull/N/head`, ...) and the object it
/// points at. Symbolic references are resolved to their final target.
///
/// A value type: safe to pass between threads.
public struct Reference: Sendable, Hashable {
    /// The full name, e.g. `refs/heads/main`.
    public var name: String
    /// The object the reference points at directly: a commit for branches, the tag object for
    /// annotated tags.
    public var target: ObjectID

    public init(name: String, target: ObjectID) {
        self.name = name
        self.target = target
    }
}
