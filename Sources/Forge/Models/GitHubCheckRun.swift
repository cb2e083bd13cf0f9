/// A check run on a commit (`checks/list-for-ref`): its name, whether it finished and how.
public struct GitHubCheckRun: Sendable, Equatable, Decodable {
    public var id: Int
    public var name: String
    /// `queued`, `in_progress` or `completed` (newer GitHub also says `waiting`, `requested`, `pending`).
    public var status: String
    /// Set once `completed`: `success`, `failure`, `neutral`, `cancelled`, `skipped`,
    /// `timed_out`, `action_required` (or `stale`).
    public var conclusion: String?
    public var headSHA: String?
    public var htmlURL: String?

    enum CodingKeys: String, CodingKey {
        case id, name, status, conclusion
        case headSHA = "head_sha"
        case htmlURL = "html_url"
    }

    public init(id: Int, name: String, status: String, conclusion: String?, headSHA: String? = nil, htmlURL: String? = nil) {
        self.id = id
        self.name = name
        self.status = status
        self.conclusion = conclusion
        self.headSHA = headSHA
        self.htmlURL = htmlURL
    }

    /// One page of `checks/list-for-ref`: the runs are wrapped in an object.
    struct Page: Decodable {
        var checkRuns: [GitHubCheckRun]
        enum CodingKeys: String, CodingKey { case checkRuns = "check_runs" }
    }
}
