/// The combined commit status of a ref (`repos/get-combined-status-for-ref`): GitHub's verdict
/// over the latest status of each context, and those statuses (every page).
///
/// GitHub says `pending` for a ref with no statuses at all (`statuses` empty): read `statuses`,
/// not only `state`, before calling a ref pending (`ChecksVerdict` does).
public struct GitHubCombinedStatus: Sendable, Equatable, Decodable {
    /// One context's latest status (`simple-commit-status`).
    public struct Status: Sendable, Equatable, Decodable {
        /// `success`, `pending`, `failure` or `error`.
        public var state: String
        public var context: String
        public var description: String?
        public var targetURL: String?

        enum CodingKeys: String, CodingKey {
            case state, context, description
            case targetURL = "target_url"
        }

        public init(state: String, context: String, description: String? = nil, targetURL: String? = nil) {
            self.state = state
            self.context = context
            self.description = description
            self.targetURL = targetURL
        }
    }

    /// `success`, `pending` or `failure` (GitHub folds `error` into `failure`).
    public var state: String
    /// The commit the ref resolved to.
    public var sha: String
    public var totalCount: Int
    public var statuses: [Status]

    enum CodingKeys: String, CodingKey {
        case state, sha, statuses
        case totalCount = "total_count"
    }

    public init(state: String, sha: String, totalCount: Int, statuses: [Status]) {
        self.state = state
        self.sha = sha
        self.totalCount = totalCount
        self.statuses = statuses
    }
}
