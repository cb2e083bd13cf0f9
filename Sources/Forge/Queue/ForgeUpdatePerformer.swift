/// Writes one update to the forge (blocking). The queue calls it on its own worker threads.
public protocol ForgeUpdatePerformer: Sendable {
    func perform(_ payload: ForgeUpdatePayload) throws(ForgeError)
}

/// The real performer: comments through `StickyComment`, statuses through `GitHubClient`.
public struct GitHubUpdatePerformer: ForgeUpdatePerformer {
    public let client: GitHubClient
    public let sticky: StickyComment

    public init(client: GitHubClient, sticky: StickyComment? = nil) {
        self.client = client
        self.sticky = sticky ?? StickyComment(client: client)
    }

    public func perform(_ payload: ForgeUpdatePayload) throws(ForgeError) {
        switch payload {
        case .comment(let number, let body):
            try sticky.upsert(pullRequest: number, body: body)
        case .status(let status):
            try client.createStatus(status)
        }
    }
}
