/// A `push` delivery: a ref was created, moved or deleted.
///
/// A value type; safe to share between threads.
public struct PushEvent: Sendable, Equatable {
    /// What kind of ref a push moved.
    public enum RefKind: Sendable, Equatable, Hashable {
        /// `refs/heads/*`
        case branch
        /// `refs/tags/*`
        case tag
        /// Anything else (`refs/notes/*`, `refs/pull/*`, ...).
        case other
    }

    /// The full ref name, e.g. `refs/heads/main` (`ref`).
    public var ref: String
    /// The SHA the ref pointed to before; forty zeros when the ref was created (`before`).
    public var before: String
    /// The SHA the ref points to now; forty zeros when the ref was deleted (`after`).
    public var after: String
    /// The push created the ref (`created`).
    public var created: Bool
    /// The push deleted the ref (`deleted`).
    public var deleted: Bool
    /// The push was a force push (`forced`).
    public var forced: Bool
    public var repository: RepositoryRef
    /// The git author name of the pusher (`pusher.name`); GitHub sends no login here.
    public var pusherName: String?
    /// The login of the account that triggered the delivery (`sender.login`).
    public var sender: String?
    /// The id of the head commit (`head_commit.id`); `nil` for deletions.
    public var headCommitID: String?
    /// The ids of the pushed commits in order (`commits[].id`); GitHub lists at most 20.
    public var commitIDs: [String]

    public init(
        ref: String, before: String, after: String, created: Bool, deleted: Bool, forced: Bool,
        repository: RepositoryRef, pusherName: String? = nil, sender: String? = nil,
        headCommitID: String? = nil, commitIDs: [String] = []
    ) {
        self.ref = ref
        self.before = before
        self.after = after
        self.created = created
        self.deleted = deleted
        self.forced = forced
        self.repository = repository
        self.pusherName = pusherName
        self.sender = sender
        self.headCommitID = headCommitID
        self.commitIDs = commitIDs
    }

    /// The branch name for `refs/heads/<branch>`, otherwise `nil`.
    public var branch: String? { Self.name(in: ref, after: "refs/heads/") }

    /// The tag name for `refs/tags/<tag>`, otherwise `nil`.
    public var tag: String? { Self.name(in: ref, after: "refs/tags/") }

    /// Whether the push moved a branch, a tag or some other ref.
    public var kind: RefKind {
        if branch != nil { return .branch }
        if tag != nil { return .tag }
        return .other
    }

    private static func name(in ref: String, after prefix: String) -> String? {
        guard ref.hasPrefix(prefix) else { return nil }
        let name = ref.dropFirst(prefix.count)
        return name.isEmpty ? nil : String(name)
    }
}
