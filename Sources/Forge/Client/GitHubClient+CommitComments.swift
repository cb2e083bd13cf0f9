import Foundation

extension GitHubClient {
    /// Comments on commit `sha` (`POST /repos/{owner}/{repo}/commits/{commit_sha}/comments`), e.g.
    /// to say that a push to a promoted branch was not deployed. Any secret the client holds is
    /// masked in `body`. Not retried here on a 5xx (GitHub may have posted it before failing).
    @discardableResult
    public func createCommitComment(sha: String, body: String) throws(ForgeError) -> GitHubCommitComment {
        let data = try encode(["body": redact(body)], .createCommitComment)
        return try decode(GitHubCommitComment.self, Call(operation: .createCommitComment, method: "POST",
                                                         path: "\(repoPath)/commits/\(Self.segment(sha))/comments", body: data,
                                                         retriesServerErrors: false))
    }
}
