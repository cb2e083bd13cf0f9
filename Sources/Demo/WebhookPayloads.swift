public import Foundation

/// GitHub-shaped webhook bodies for the demo's repository (the fields GitHub sends that Slipway
/// reads, in GitHub's format).
public struct WebhookPayloads: Sendable {
    public let owner: String
    public let name: String
    public var fullName: String { "\(owner)/\(name)" }

    public init(owner: String, name: String) {
        self.owner = owner
        self.name = name
    }

    var repository: [String: Any] {
        ["id": 4242, "name": name, "full_name": fullName, "owner": ["login": owner], "default_branch": "main",
         "clone_url": "https://github.com/\(fullName).git", "html_url": "https://github.com/\(fullName)"]
    }

    /// A `pull_request` delivery. `headRepository` names a fork (`mallory/app`) the head branch
    /// lives in (default: this repository); `label` is the label a `labeled` action adds.
    public func pullRequest(action: String, number: Int, headSHA: String, headRef: String, merged: Bool = false,
                            closed: Bool = false, updatedAt: Date = Date(), sender: String = "dana", author: String? = nil,
                            headRepository: String? = nil, labels: [String] = [], label: String? = nil, baseRef: String = "main") -> Data {
        let formatter = ISO8601DateFormatter()
        let repo = repository
        var headRepo = repo
        if let headRepository {
            headRepo["full_name"] = headRepository
            headRepo["id"] = 9999
        }
        let pr: [String: Any] = [
            "number": number, "state": closed ? "closed" : "open", "title": "Change the greeting", "draft": false,
            "merged": merged, "merge_commit_sha": merged ? headSHA : NSNull(),
            "head": ["ref": headRef, "sha": headSHA, "repo": headRepo], "base": ["ref": baseRef, "sha": headSHA, "repo": repo],
            "labels": labels.map { ["name": $0] }, "user": ["login": author ?? sender], "updated_at": formatter.string(from: updatedAt),
        ]
        var body: [String: Any] = ["action": action, "number": number, "pull_request": pr, "repository": repo, "sender": ["login": sender]]
        if let label { body["label"] = ["name": label] }
        return try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    /// A `pull_request_review` delivery: `reviewer` submitted a review in `state` (`approved`, ...)
    /// at `commitID` on the pull request from `headRef` into `baseRef`.
    public func pullRequestReview(number: Int, headSHA: String, headRef: String, baseRef: String, reviewer: String, state: String = "approved",
                                  commitID: String? = nil, author: String = "dana", action: String = "submitted") -> Data {
        let repo = repository
        let pr: [String: Any] = [
            "number": number, "state": "open", "title": "Promote", "draft": false, "merged": false,
            "head": ["ref": headRef, "sha": headSHA, "repo": repo], "base": ["ref": baseRef, "sha": headSHA, "repo": repo],
            "labels": [] as [Any], "user": ["login": author],
        ]
        let review: [String: Any] = ["id": Int.random(in: 1...1_000_000), "user": ["login": reviewer], "state": state,
                                     "commit_id": commitID ?? headSHA]
        let body: [String: Any] = ["action": action, "review": review, "pull_request": pr, "repository": repo, "sender": ["login": reviewer]]
        return try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    public func push(branch: String, before: String, after: String, sender: String = "dana") -> Data {
        let body: [String: Any] = [
            "ref": "refs/heads/\(branch)", "before": before, "after": after, "created": false, "deleted": false, "forced": false,
            "repository": repository, "pusher": ["name": sender, "email": "\(sender)@example.com"], "sender": ["login": sender],
            "head_commit": ["id": after], "commits": [["id": after]],
        ]
        return try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }
}
