import Foundation

extension GitHubClient {
    /// The combined commit status of `ref` (a SHA, branch or tag) with every status (all pages)
    /// (`GET /repos/{owner}/{repo}/commits/{ref}/status`). GitHub answers `pending` for a ref
    /// without any status: see `ChecksVerdict`.
    public func combinedStatus(ref: String) throws(ForgeError) -> GitHubCombinedStatus {
        var first: GitHubCombinedStatus?
        let statuses = try paginate(GitHubCombinedStatus.self, Call(operation: .getCombinedStatus, method: "GET",
                                                                    path: "\(repoPath)/commits/\(Self.segment(ref))/status")) { page in
            if first == nil { first = page }
            return page.statuses
        }
        guard var combined = first else {
            throw ForgeError(kind: .invalidResponse, repository: repository, operation: .getCombinedStatus, detail: "no page was read")
        }
        combined.statuses = statuses
        return combined
    }

    /// The latest check run of each name on `ref`, all pages
    /// (`GET /repos/{owner}/{repo}/commits/{ref}/check-runs?filter=latest`).
    public func checkRuns(ref: String) throws(ForgeError) -> [GitHubCheckRun] {
        try paginate(GitHubCheckRun.Page.self, Call(operation: .listCheckRuns, method: "GET", path: "\(repoPath)/commits/\(Self.segment(ref))/check-runs",
                                                    query: [("filter", "latest")])) { $0.checkRuns }
    }

    /// Whether `ref`'s commit statuses and check runs are all green, still pending, or failing
    /// (with the names). A ref with no statuses and no check runs is green (see `ChecksVerdict`).
    /// Needs `statuses: read` and `checks: read`.
    public func checksGreen(ref: String) throws(ForgeError) -> ChecksVerdict {
        let combined = try combinedStatus(ref: ref)
        let runs = try checkRuns(ref: ref)
        return ChecksVerdict(statuses: combined.statuses, checkRuns: runs)
    }
}
