import Foundation

/// Writes one update to the forge (blocking). The queue calls it on its own worker threads.
public protocol ForgeUpdatePerformer: Sendable {
    func perform(_ payload: ForgeUpdatePayload) throws(ForgeError)
}

/// The real performer: comments through `StickyComment`, everything else through `GitHubClient`.
///
/// Once it knows a PR's comment id it PATCHes that comment directly (one request instead of
/// listing every comment of the PR each time); a 404 (someone deleted it) falls back to the
/// sticky search, which finds or creates it again. Only ids the sticky search returned (comments
/// the bot wrote) are remembered, at most `maxKnownComments` of them.
///
/// Deployments and pull requests are found before anything is created (see `DeploymentUpdate`,
/// `PullRequestUpdate`), so a retry or a replay after a crash never makes a second one; nothing
/// about them is remembered here (GitHub is the truth).
///
/// After each update that reached the forge, `onPerformed` (when given) receives the payload and
/// its `ForgeUpdateOutcome`, on the queue's worker thread and outside the queue's lock: it must be
/// quick (it may submit to the queue).
public final class GitHubUpdatePerformer: ForgeUpdatePerformer, @unchecked Sendable {
    /// Receives each performed payload and what it did.
    public typealias Observer = @Sendable (ForgeUpdatePayload, ForgeUpdateOutcome) -> Void

    public let client: GitHubClient
    public let sticky: StickyComment
    public let maxKnownComments: Int
    private let onPerformed: Observer?
    private let lock = NSLock()
    private var knownComments: [Int: Int] = [:]

    public init(client: GitHubClient, sticky: StickyComment? = nil, maxKnownComments: Int = 4096, onPerformed: Observer? = nil) {
        self.client = client
        self.sticky = sticky ?? StickyComment(client: client)
        self.maxKnownComments = max(1, maxKnownComments)
        self.onPerformed = onPerformed
    }

    public func perform(_ payload: ForgeUpdatePayload) throws(ForgeError) {
        let outcome = try apply(payload)
        onPerformed?(payload, outcome)
    }

    /// Writes `payload` to the forge and says what it did (without calling `onPerformed`).
    public func apply(_ payload: ForgeUpdatePayload) throws(ForgeError) -> ForgeUpdateOutcome {
        switch payload {
        case .comment(let number, let body):
            let text = body.contains(sticky.marker) ? body : sticky.marker + "\n" + body
            if let id = known(number) {
                do {
                    _ = try client.updateComment(id: id, body: text)
                    return .comment(id: id)
                } catch where error.kind == .notFound {
                    forget(number)
                }
            }
            let outcome = try sticky.upsert(pullRequest: number, body: body)
            remember(number, outcome.commentID)
            return .comment(id: outcome.commentID)
        case .status(let status):
            try client.createStatus(status)
            return .status
        case .deployment(let update):
            return try deploy(update)
        case .pullRequest(let update):
            return try keepPullRequest(update)
        case .removeLabel(let number, let label):
            return .labelRemoved(wasPresent: try client.removeLabel(label, fromIssue: number))
        case .commitComment(let sha, let body):
            return .commitComment(id: try client.createCommitComment(sha: sha, body: body).id)
        }
    }

    /// Finds the deployment of (environment, sha), or creates it, then posts the status.
    private func deploy(_ update: DeploymentUpdate) throws(ForgeError) -> ForgeUpdateOutcome {
        let existing = try client.deployments(sha: update.sha, environment: update.environment)
            .filter { $0.sha == update.sha && $0.environment == update.environment }
        let deployment: GitHubDeployment
        let created: Bool
        if let oldest = existing.min(by: { $0.id < $1.id }) {
            deployment = oldest
            created = false
        } else {
            deployment = try client.createDeployment(update.deploymentRequest)
            created = true
        }
        let status = try client.createDeploymentStatus(deploymentID: deployment.id, update.statusRequest)
        return .deployment(id: deployment.id, created: created, statusID: status.id)
    }

    /// Finds the open pull request from head into base and updates it when it differs, or opens it.
    /// When GitHub refuses the creation (422) because another replica opened it meanwhile, the
    /// one found on a second look is updated instead.
    private func keepPullRequest(_ update: PullRequestUpdate, secondLook: Bool = false) throws(ForgeError) -> ForgeUpdateOutcome {
        let open = try client.listOpenPullRequests(headBranch: update.head, base: update.base)
            .filter { $0.head.ref == update.head && $0.base.ref == update.base }
        guard let pull = open.min(by: { $0.number < $1.number }) else {
            do {
                let created = try client.createPullRequest(title: update.title, head: update.head, base: update.base, body: update.body)
                return .pullRequest(number: created.number, action: .created)
            } catch where error.kind == .unexpectedStatus(422) && !secondLook {
                return try keepPullRequest(update, secondLook: true)
            }
        }
        // Compared as they would be sent: the client masks secrets in both.
        let title = client.redact(update.title), body = client.redact(update.body)
        guard pull.title != title || (pull.body ?? "") != body else { return .pullRequest(number: pull.number, action: .unchanged) }
        try client.updatePullRequest(pull.number, title: pull.title == title ? nil : update.title, body: (pull.body ?? "") == body ? nil : update.body)
        return .pullRequest(number: pull.number, action: .updated)
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
