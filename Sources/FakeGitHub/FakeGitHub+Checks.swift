import Foundation
import HTTPTypes

/// The combined status and check runs of a ref, and commit comments, as GitHub answers them.
extension FakeGitHub {
    /// `repos/get-combined-status-for-ref`: the latest status of each context on the ref's commit
    /// (a branch set with `setBranch`, or a SHA); `failure` when any is `failure` or `error`,
    /// `pending` when any is pending or there are none, else `success`. Paginated over statuses.
    func combinedStatus(_ request: HTTPRequest, ref: String) -> HTTPResponse {
        let (sha, latest) = state.withLock { state in
            let sha = state.branches[ref] ?? ref
            return (sha, Self.latestPerContext(state.statuses.filter { $0.sha == sha }))
        }
        let combined = Self.combinedState(latest)
        let full = "\(owner)/\(repo)"
        let items: [[String: Any]] = latest.map { status in
            [
                "id": status.id, "node_id": "SC_\(status.id)", "state": status.state, "context": status.context,
                "description": status.description ?? NSNull(), "target_url": status.targetURL ?? NSNull(),
                "avatar_url": NSNull(), "url": "\(baseURL)/repos/\(full)/statuses/\(sha)",
                "created_at": Self.iso8601(Date()), "updated_at": Self.iso8601(Date()),
            ]
        }
        return paginate(request, items) { page in
            [
                "state": combined, "sha": sha, "total_count": latest.count, "statuses": page,
                "repository": ["id": 1, "name": repo, "full_name": full], "commit_url": "\(baseURL)/repos/\(full)/commits/\(sha)",
                "url": "\(baseURL)/repos/\(full)/commits/\(sha)/status",
            ] as [String: Any]
        }
    }

    /// The last status of each context, in the order the contexts first appeared.
    static func latestPerContext(_ statuses: [Status]) -> [Status] {
        var latest: [String: Status] = [:]
        var order: [String] = []
        for status in statuses {
            if latest[status.context] == nil { order.append(status.context) }
            latest[status.context] = status
        }
        return order.compactMap { latest[$0] }
    }

    /// GitHub's combined state over the latest statuses.
    static func combinedState(_ latest: [Status]) -> String {
        if latest.contains(where: { $0.state == "failure" || $0.state == "error" }) { return "failure" }
        if latest.isEmpty || latest.contains(where: { $0.state == "pending" }) { return "pending" }
        return "success"
    }

    /// `checks/list-for-ref`: `filter=latest` (the default) keeps the newest run of each name;
    /// `check_name` and `status` filter. Paginated inside `{"total_count", "check_runs"}`.
    func listCheckRuns(_ request: HTTPRequest, ref: String) -> HTTPResponse {
        let filter = request.queryValue("filter") ?? "latest"
        guard ["latest", "all"].contains(filter) else { return Self.validationFailed("filter") }
        let name = request.queryValue("check_name"), status = request.queryValue("status")
        var runs = state.withLock { state in
            let sha = state.branches[ref] ?? ref
            return state.checkRuns.filter { $0.sha == sha }
        }
        if filter == "latest" {
            var newest: [String: CheckRun] = [:]
            for run in runs { newest[run.name] = run }
            runs = runs.filter { newest[$0.name]?.id == $0.id }
        }
        runs = runs.filter { (name == nil || $0.name == name) && (status == nil || $0.status == status) }
        let full = "\(owner)/\(repo)"
        let items: [[String: Any]] = runs.reversed().map { run in
            [
                "id": run.id, "node_id": "CR_\(run.id)", "head_sha": run.sha, "name": run.name, "status": run.status,
                "conclusion": run.conclusion ?? NSNull(), "external_id": "", "url": "\(baseURL)/repos/\(full)/check-runs/\(run.id)",
                "html_url": "https://github.com/\(full)/runs/\(run.id)", "details_url": NSNull(),
                "started_at": Self.iso8601(Date()), "completed_at": run.status == "completed" ? Self.iso8601(Date()) : NSNull(),
                "output": ["title": NSNull(), "summary": NSNull(), "text": NSNull(), "annotations_count": 0, "annotations_url": ""],
                "check_suite": ["id": 1], "app": NSNull(), "pull_requests": [Any](),
            ]
        }
        let total = items.count
        return paginate(request, items) { page in ["total_count": total, "check_runs": page] as [String: Any] }
    }

    /// `repos/create-commit-comment`: `body` required.
    func createCommitComment(_ request: HTTPRequest, sha: String, login: String) -> HTTPResponse {
        guard let body = Self.jsonObject(request)?["body"] as? String, !body.isEmpty else { return Self.validationFailed("body") }
        let comment = state.withLock { state in
            state.nextID += 1
            let comment = CommitComment(id: state.nextID, sha: sha, body: body, login: login)
            state.commitComments.append(comment)
            return comment
        }
        let full = "\(owner)/\(repo)"
        return .jsonObject(status: 201, [
            "id": comment.id, "node_id": "CC_\(comment.id)", "body": comment.body, "commit_id": sha,
            "html_url": "https://github.com/\(full)/commit/\(sha)#commitcomment-\(comment.id)",
            "url": "\(baseURL)/repos/\(full)/comments/\(comment.id)", "path": NSNull(), "position": NSNull(), "line": NSNull(),
            "user": ["login": login, "id": 2, "type": login.hasSuffix("[bot]") ? "Bot" : "User"], "author_association": "NONE",
            "created_at": Self.iso8601(Date()), "updated_at": Self.iso8601(Date()),
        ] as [String: Any])
    }
}
