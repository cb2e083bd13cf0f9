public import Foundation

/// A review of a pull request as `pulls/list-reviews` returns it: who reviewed, what they decided
/// and at which head commit. Unknown fields are ignored.
public struct GitHubPullRequestReview: Sendable, Equatable, Decodable {
    /// GitHub's review states (`APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`,
    /// `PENDING`); any other text is kept as `other`.
    public enum State: Sendable, Equatable, Hashable, Decodable, CustomStringConvertible {
        case approved, changesRequested, commented, dismissed, pending
        case other(String)

        public init(_ text: String) {
            switch text.uppercased() {
            case "APPROVED": self = .approved
            case "CHANGES_REQUESTED": self = .changesRequested
            case "COMMENTED": self = .commented
            case "DISMISSED": self = .dismissed
            case "PENDING": self = .pending
            default: self = .other(text)
            }
        }

        public init(from decoder: any Decoder) throws {
            self.init(try decoder.singleValueContainer().decode(String.self))
        }

        /// GitHub's spelling.
        public var description: String {
            switch self {
            case .approved: "APPROVED"
            case .changesRequested: "CHANGES_REQUESTED"
            case .commented: "COMMENTED"
            case .dismissed: "DISMISSED"
            case .pending: "PENDING"
            case .other(let text): text
            }
        }
    }

    public var id: Int
    /// The reviewer (nil when the account was deleted).
    public var user: GitHubUser?
    public var state: State
    /// The pull request's head commit the review was given at.
    public var commitID: String?
    /// When it was submitted (nil while `PENDING`).
    public var submittedAt: Date?
    public var body: String?

    enum CodingKeys: String, CodingKey {
        case id, user, state, body
        case commitID = "commit_id"
        case submittedAt = "submitted_at"
    }

    public init(id: Int, user: GitHubUser?, state: State, commitID: String?, submittedAt: Date?, body: String? = nil) {
        self.id = id
        self.user = user
        self.state = state
        self.commitID = commitID
        self.submittedAt = submittedAt
        self.body = body
    }
}
