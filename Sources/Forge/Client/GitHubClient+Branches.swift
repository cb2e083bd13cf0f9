import Foundation

extension GitHubClient {
    /// One branch with whether it is protected (`GET /repos/{owner}/{repo}/branches/{branch}`;
    /// a branch name's slashes stay path separators, as GitHub expects). Kind `.notFound` when
    /// the branch does not exist.
    public func branch(_ name: String) throws(ForgeError) -> GitHubBranch {
        let path = name.split(separator: "/", omittingEmptySubsequences: false).map { Self.segment(String($0)) }.joined(separator: "/")
        return try decode(GitHubBranch.self, Call(operation: .getBranch, method: "GET", path: "\(repoPath)/branches/\(path)"))
    }
}
