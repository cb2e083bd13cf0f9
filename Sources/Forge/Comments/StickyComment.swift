import Foundation

/// Keeps exactly one Slipway comment on a pull request, found again by its hidden marker and
/// updated in place.
///
/// `upsert` lists the comments (every page) and PATCHes the oldest one carrying the marker
/// (deleting any younger duplicates); only when none exists does it POST a new one. So it is safe
/// across restarts (nothing is remembered locally: the marker on GitHub is the truth) and with
/// several replicas: after creating, it lists again, and if two replicas raced and both created a
/// comment, each keeps the *oldest* marked comment (lowest id), writes its body there and deletes
/// the others. The last replica to create necessarily sees every earlier comment, so the pull
/// request converges to one comment. Which body wins between two replicas is decided by the
/// caller's ordering (`ForgeUpdateQueue` versions), not here.
///
/// A comment is Slipway's only when the bot wrote it — its `user.login` is the bot's login
/// (compared case-insensitively, as GitHub compares logins) — and one of its lines is exactly the
/// marker (a human quoting it writes `> <!-- … -->`, which does not count). A comment anyone else
/// wrote is never edited or deleted, whatever it carries: duplicates are only ever the bot's own.
/// The bot's login is `author` when given, else learned from the forge (`GitHubClient.botLogin()`);
/// when it cannot be learned, `upsert` fails with a configuration error rather than trusting the
/// marker. Thread-safe: holds no state of its own.
public struct StickyComment: Sendable {
    public let client: GitHubClient
    public let marker: String
    /// The bot's login; nil: learned from the forge.
    public let author: String?

    public init(client: GitHubClient, marker: String = PRCommentRenderer.marker, author: String? = nil) {
        self.client = client
        self.marker = marker
        self.author = author
    }

    /// What `upsert` did.
    public struct Outcome: Sendable, Equatable {
        public enum Action: Sendable, Equatable { case created, updated, unchanged }
        public var commentID: Int
        public var action: Action
        /// Duplicates (from racing replicas) deleted on the way.
        public var deletedDuplicates: [Int]
    }

    /// Writes `body` (the marker is put first when missing) into the pull request's one Slipway
    /// comment, creating it only when there is none.
    @discardableResult
    public func upsert(pullRequest: Int, body: String) throws(ForgeError) -> Outcome {
        let text = isMarked(body) ? body : marker + "\n" + body
        let existing = try marked(pullRequest)
        if let keep = existing.first {
            let deleted = try deleteAll(existing.dropFirst())
            guard keep.body != text else { return Outcome(commentID: keep.id, action: .unchanged, deletedDuplicates: deleted) }
            _ = try client.updateComment(id: keep.id, body: text)
            return Outcome(commentID: keep.id, action: .updated, deletedDuplicates: deleted)
        }
        let created = try client.createComment(onIssue: pullRequest, body: text)
        // Another replica may have created one at the same time: the oldest wins.
        let after = try marked(pullRequest)
        guard let oldest = after.first, oldest.id != created.id else {
            let deleted = try deleteAll(after.filter { $0.id != created.id })
            return Outcome(commentID: created.id, action: .created, deletedDuplicates: deleted)
        }
        if oldest.body != text { _ = try client.updateComment(id: oldest.id, body: text) }
        let deleted = try deleteAll(after.filter { $0.id != oldest.id } + [created].filter { c in !after.contains { $0.id == c.id } })
        return Outcome(commentID: oldest.id, action: .updated, deletedDuplicates: deleted)
    }

    /// Slipway's comments on the pull request (written by the bot and marked), oldest (lowest id) first.
    public func marked(_ pullRequest: Int) throws(ForgeError) -> [GitHubIssueComment] {
        let bot: String
        if let author { bot = author } else { bot = try client.botLogin() }
        return try client.comments(onIssue: pullRequest)
            .filter { isMarked($0.body) && isWritten(by: bot, $0) }
            .sorted { $0.id < $1.id }
    }

    func isWritten(by bot: String, _ comment: GitHubIssueComment) -> Bool {
        guard let login = comment.user?.login else { return false }
        return login.lowercased() == bot.lowercased()
    }

    func isMarked(_ body: String) -> Bool {
        body.split(whereSeparator: \.isNewline).contains { $0.trimmingCharacters(in: .whitespaces) == marker }
    }

    private func deleteAll(_ comments: some Sequence<GitHubIssueComment>) throws(ForgeError) -> [Int] {
        var deleted: [Int] = []
        for comment in comments {
            try client.deleteComment(id: comment.id)
            deleted.append(comment.id)
        }
        return deleted
    }
}
