public import Foundation

/// A promotion the bot shipped: it moved the target's branch to `sha` after `approvers`
/// approved and every gate passed. An environment with a `promotion` section deploys its
/// branch's head only when it is the SHA of its latest approved promotion (unless the spec sets
/// `allow_direct_push`).
public struct ApprovedPromotion: Sendable, Equatable, Codable {
    public var environment: String
    public var sha: String
    public var from: String
    public var approvers: [String]
    public var gates: [PromotionGate]
    /// The evidence id of the healthy deploy on `from` it was promoted from.
    public var promotedFrom: String?
    public var pullRequest: Int?
    public var at: Date

    public init(environment: String, sha: String, from: String, approvers: [String], gates: [PromotionGate],
                promotedFrom: String?, pullRequest: Int?, at: Date) {
        self.environment = environment
        self.sha = sha
        self.from = from
        self.approvers = approvers
        self.gates = gates
        self.promotedFrom = promotedFrom
        self.pullRequest = pullRequest
        self.at = at
    }
}
