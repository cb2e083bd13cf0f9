import Foundation

extension GitHubClient {
    /// `open` or `closed`, for `updatePullRequest`.
    public enum PullRequestState: String, Sendable, Codable {
        case open, closed
    }

    /// Opens a pull request from branch `head` of this repository into `base`
    /// (`POST /repos/{owner}/{repo}/pulls`). Any secret the client holds is masked in `title` and
    /// `body`. Not retried here on a 5xx (GitHub may have opened it before failing): find it with
    /// `listOpenPullRequests(headBranch:base:)` before trying again. GitHub answers 422 when an
    /// open pull request for `head` into `base` already exists.
    public func createPullRequest(title: String, head: String, base: String, body: String) throws(ForgeError) -> GitHubPullRequest {
        let data = try encode(PullRequestBody(title: redact(title), head: head, base: base, body: redact(body)), .createPullRequest)
        return try decode(GitHubPullRequest.self, Call(operation: .createPullRequest, method: "POST", path: "\(repoPath)/pulls",
                                                       body: data, retriesServerErrors: false))
    }

    /// Changes a pull request's title, body or state; nil leaves a field as it is
    /// (`PATCH /repos/{owner}/{repo}/pulls/{pull_number}`).
    @discardableResult
    public func updatePullRequest(_ number: Int, title: String? = nil, body: String? = nil,
                                  state: PullRequestState? = nil) throws(ForgeError) -> GitHubPullRequest {
        let data = try encode(PullRequestBody(title: title.map(redact), body: body.map(redact), state: state?.rawValue), .updatePullRequest)
        return try decode(GitHubPullRequest.self, Call(operation: .updatePullRequest, method: "PATCH", path: "\(repoPath)/pulls/\(number)", body: data))
    }

    /// Every review of pull request `number`, oldest first, all pages
    /// (`GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews`). Each carries the head commit it
    /// was given at (`commitID`): an approval binds to that commit only.
    public func reviews(ofPullRequest number: Int) throws(ForgeError) -> [GitHubPullRequestReview] {
        try paginate(GitHubPullRequestReview.self, Call(operation: .listReviews, method: "GET", path: "\(repoPath)/pulls/\(number)/reviews"))
    }

    /// The body of `pulls/create` and `pulls/update` (nil fields are left out).
    private struct PullRequestBody: Encodable {
        var title: String?
        var head: String?
        var base: String?
        var body: String?
        var state: String?
    }
}
