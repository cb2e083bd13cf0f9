/// What a commit says: its tree, parents, message and signatures.
///
/// A value type: safe to pass between threads.
public struct CommitInfo: Sendable, Hashable {
    public var id: ObjectID
    public var treeID: ObjectID
    public var parents: [ObjectID]
    /// The full message as stored (git's tools end it with a newline).
    public var message: String
    public var author: Signature
    public var committer: Signature

    public init(id: ObjectID, treeID: ObjectID, parents: [ObjectID], message: String, author: Signature, committer: Signature) {
        self.id = id
        self.treeID = treeID
        self.parents = parents
        self.message = message
        self.author = author
        self.committer = committer
    }

    /// The first line of the message.
    public var summary: String {
        String(message.prefix { $0 != "\n" })
    }
}
