import Foundation
import SlipwayCore
import Synchronization
public import Forge
public import Reconcile
public import Store

/// The forge's view of pull requests, for the reconciler. Remembers whether the last listing
/// failed, so the bot can say so (`/readyz`) and catch up when the forge answers again.
public final class ForgePullRequestSource: PullRequestSource {
    let client: GitHubClient
    /// Called when a listing works after one that failed (the forge is back).
    let onRecovered: @Sendable () -> Void
    private let lastFailure = Mutex<String?>(nil)

    public init(client: GitHubClient, onRecovered: @escaping @Sendable () -> Void = {}) {
        self.client = client
        self.onRecovered = onRecovered
    }

    /// Why the last listing failed, or nil when it worked (or none was tried).
    public var listingFailure: String? { lastFailure.withLock { $0 } }

    public func openPullRequests() throws -> [PullRequestRecord] {
        let formatter = ISO8601DateFormatter()
        let pulls: [GitHubPullRequest]
        do {
            pulls = try client.listOpenPullRequests()
        } catch {
            lastFailure.withLock { $0 = error.description }
            throw error
        }
        let recovered = lastFailure.withLock { failure in
            defer { failure = nil }
            return failure != nil
        }
        if recovered { onRecovered() }
        return pulls.map { pr in
            PullRequestRecord(
                number: pr.number, state: .open, headSHA: pr.head.sha, baseRef: pr.base.ref, headRef: pr.head.ref,
                isDraft: pr.draft ?? false,
                provenance: PullRequestProvenance.from(headRepository: pr.head.repo?.fullName, baseRepository: pr.base.repo?.fullName),
                labels: pr.labels.map(\.name), author: pr.user?.login, headSeenAt: Date(),
                updatedAt: pr.updatedAt.map { formatter.string(from: $0) }
            )
        }
    }

    public func hasWriteAccess(_ login: String) throws -> Bool {
        guard !login.isEmpty else { return false }
        return try client.collaboratorPermission(login).canWrite
    }
}
