import Foundation

extension GitHubClient {
    /// Every open pull request (`GET /repos/{owner}/{repo}/pulls?state=open`, all pages), or only
    /// those from branch `headBranch` of this repository (sent as `head=OWNER:BRANCH`, so a fork's
    /// branch of the same name never matches) into branch `base`, when given.
    public func listOpenPullRequests(headBranch: String? = nil, base: String? = nil) throws(ForgeError) -> [GitHubPullRequest] {
        var query = [("state", "open")]
        if let headBranch { query.append(("head", "\(repository.owner):\(headBranch)")) }
        if let base { query.append(("base", base)) }
        return try paginate(GitHubPullRequest.self, Call(operation: .listPullRequests, method: "GET", path: "\(repoPath)/pulls", query: query))
    }

    /// One pull request (`GET /repos/{owner}/{repo}/pulls/{pull_number}`).
    public func pullRequest(_ number: Int) throws(ForgeError) -> GitHubPullRequest {
        try decode(GitHubPullRequest.self, Call(operation: .getPullRequest, method: "GET", path: "\(repoPath)/pulls/\(number)"))
    }

    /// Every comment on issue or pull request `number`, oldest first (all pages).
    public func comments(onIssue number: Int) throws(ForgeError) -> [GitHubIssueComment] {
        try paginate(GitHubIssueComment.self, Call(operation: .listComments, method: "GET", path: "\(repoPath)/issues/\(number)/comments"))
    }

    /// Creates a comment (any secret the client holds is masked in `body`) (`POST /repos/{owner}/{repo}/issues/{issue_number}/comments`).
    public func createComment(onIssue number: Int, body: String) throws(ForgeError) -> GitHubIssueComment {
        let data = try encode(CommentBody(body: redact(body)), .createComment)
        return try decode(GitHubIssueComment.self, Call(operation: .createComment, method: "POST",
                                                        path: "\(repoPath)/issues/\(number)/comments", body: data))
    }

    /// Replaces a comment's body (`PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}`).
    public func updateComment(id: Int, body: String) throws(ForgeError) -> GitHubIssueComment {
        let data = try encode(CommentBody(body: redact(body)), .updateComment)
        return try decode(GitHubIssueComment.self, Call(operation: .updateComment, method: "PATCH",
                                                        path: "\(repoPath)/issues/comments/\(id)", body: data))
    }

    /// Deletes a comment (`DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}`); a comment
    /// already gone (404) is not an error. Returns whether this call deleted it.
    @discardableResult
    public func deleteComment(id: Int) throws(ForgeError) -> Bool {
        let response = try execute(Call(operation: .deleteComment, method: "DELETE", path: "\(repoPath)/issues/comments/\(id)",
                                        alsoAccepted: [404]))
        return response.status != 404
    }

    /// Sets a commit status (`POST /repos/{owner}/{repo}/statuses/{sha}`).
    @discardableResult
    public func createStatus(_ status: CommitStatusRequest) throws(ForgeError) -> GitHubCommitStatus {
        var wire = status.wireBody
        wire.description = redact(wire.description)
        let data = try encode(wire, .createStatus)
        return try decode(GitHubCommitStatus.self, Call(operation: .createStatus, method: "POST",
                                                        path: "\(repoPath)/statuses/\(Self.segment(status.sha))", body: data))
    }

    /// A user's permission on the repository
    /// (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`).
    public func collaboratorPermission(_ username: String) throws(ForgeError) -> GitHubPermission {
        try decode(GitHubPermission.self, Call(operation: .getCollaboratorPermission, method: "GET",
                                               path: "\(repoPath)/collaborators/\(Self.segment(username))/permission"))
    }

    /// The labels on issue or pull request `number` (all pages).
    public func labels(onIssue number: Int) throws(ForgeError) -> [GitHubLabel] {
        try paginate(GitHubLabel.self, Call(operation: .listLabels, method: "GET", path: "\(repoPath)/issues/\(number)/labels"))
    }

    /// Removes label `name` from issue or pull request `number`
    /// (`DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}`). Returns false when
    /// the label was not there (404).
    @discardableResult
    public func removeLabel(_ name: String, fromIssue number: Int) throws(ForgeError) -> Bool {
        let response = try execute(Call(operation: .removeLabel, method: "DELETE",
                                        path: "\(repoPath)/issues/\(number)/labels/\(Self.segment(name))", alsoAccepted: [404]))
        return response.status != 404
    }

    /// Adds labels to issue or pull request `number`
    /// (`POST /repos/{owner}/{repo}/issues/{issue_number}/labels`); returns every label it now has.
    @discardableResult
    public func addLabels(_ names: [String], toIssue number: Int) throws(ForgeError) -> [GitHubLabel] {
        let data = try encode(["labels": names], .addLabels)
        return try decode([GitHubLabel].self, Call(operation: .addLabels, method: "POST", path: "\(repoPath)/issues/\(number)/labels", body: data))
    }

    private struct CommentBody: Encodable {
        var body: String
    }
}
