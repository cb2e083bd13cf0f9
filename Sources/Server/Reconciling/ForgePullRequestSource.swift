import Foundation
import SlipwayCore
public import Forge
public import Reconcile
public import Store

/// The forge's view of pull requests, for the reconciler.
public struct ForgePullRequestSource: PullRequestSource {
    let client: GitHubClient

    public init(client: GitHubClient) {
        self.client = client
    }

    public func openPullRequests() throws -> [PullRequestRecord] {
        let formatter = ISO8601DateFormatter()
        return try client.listOpenPullRequests().map { pr in
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
