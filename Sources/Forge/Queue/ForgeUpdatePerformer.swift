import Foundation

/// Writes one update to the forge (blocking). The queue calls it on its own worker threads.
public protocol ForgeUpdatePerformer: Sendable {
    func perform(_ payload: ForgeUpdatePayload) throws(ForgeError)
}

/// The real performer: comments through `StickyComment`, statuses through `GitHubClient`.
///
/// Once it knows a PR's comment id it PATCHes that comment directly (one request instead of
/// listing every comment of the PR each time); a 404 (someone deleted it) falls back to the
/// sticky search, which finds or creates it again. Only ids the sticky search returned (comments
/// the bot wrote) are remembered, at most `maxKnownComments` of them.
public final class GitHubUpdatePerformer: ForgeUpdatePerformer, @unchecked Sendable {
    public let client: GitHubClient
    public let sticky: StickyComment
    public let maxKnownComments: Int
    private let lock = NSLock()
    private var knownComments: [Int: Int] = [:]

    public init(client: GitHubClient, sticky: StickyComment? = nil, maxKnownComments: Int = 4096) {
        self.client = client
        self.sticky = sticky ?? StickyComment(client: client)
        self.maxKnownComments = max(1, maxKnownComments)
    }

    public func perform(_ payload: ForgeUpdatePayload) throws(ForgeError) {
        switch payload {
        case .comment(let number, let body):
            let text = body.contains(sticky.marker) ? body : sticky.marker + "\n" + body
            if let id = known(number) {
                do {
                    _ = try client.updateComment(id: id, body: text)
                    return
                } catch where error.kind == .notFound {
                    forget(number)
                }
            }
            let outcome = try sticky.upsert(pullRequest: number, body: body)
            remember(number, outcome.commentID)
        case .status(let status):
            try client.createStatus(status)
        }
    }

    private func known(_ number: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        return knownComments[number]
    }

    private func remember(_ number: Int, _ id: Int) {
        lock.lock(); defer { lock.unlock() }
        // Forgetting one only costs a listing the next time: drop any when full.
        if knownComments[number] == nil, knownComments.count >= maxKnownComments {
            knownComments.remove(at: knownComments.startIndex)
        }
        knownComments[number] = id
    }

    private func forget(_ number: Int) {
        lock.lock(); defer { lock.unlock() }
        knownComments[number] = nil
    }
}
