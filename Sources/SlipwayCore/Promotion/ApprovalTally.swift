/// The approvals of a promotion pull request at its current head, as a pure function of what
/// people did. An approval is an approver adding the promotion label or submitting an approving
/// review, *for the PR's current head*; approvals count per distinct person; the PR's author never
/// counts; label approvals count only while the label is on the PR.
public struct ApprovalTally: Sendable, Equatable {
    public struct Ignored: Sendable, Equatable {
        public enum Reason: Sendable, Equatable {
            /// Not named in `approvers` (nor a member of a named team).
            case notApprover
            /// The PR's author approving their own promotion.
            case author
            /// Given at an earlier head: the code changed since.
            case olderHead(String)
            /// A label approval whose label was removed since.
            case labelRemoved
        }

        public var actor: String
        public var kind: ApprovalSignal.Kind
        public var reason: Reason
    }

    /// Distinct approvers whose approval counts, in the order they gave it.
    public var approvedBy: [String]
    public var required: Int
    public var ignored: [Ignored]

    public var isComplete: Bool { approvedBy.count >= required }
    public var missing: Int { max(0, required - approvedBy.count) }

    /// `sameAsHead` lists commits that count as the head: those differing from it only in what
    /// the bot itself writes (`docs/llm/`, `evidence/`), so the bot's own commits never void an
    /// approval.
    public static func count(signals: [ApprovalSignal], head: String, sameAsHead: Set<String> = [], author: String?, rule: ApproverRule,
                             teamMembers: [String: Set<String>] = [:], required: Int, labelPresent: Bool) -> ApprovalTally {
        var approved: [String] = []
        var seen = Set<String>()
        var ignored: [Ignored] = []
        let authorLogin = author?.lowercased()
        for signal in signals {
            let who = signal.actor.lowercased()
            if who == authorLogin {
                ignored.append(Ignored(actor: signal.actor, kind: signal.kind, reason: .author))
            } else if !rule.allows(who, teamMembers: teamMembers) {
                ignored.append(Ignored(actor: signal.actor, kind: signal.kind, reason: .notApprover))
            } else if signal.sha != head && !sameAsHead.contains(signal.sha) {
                ignored.append(Ignored(actor: signal.actor, kind: signal.kind, reason: .olderHead(signal.sha)))
            } else if signal.kind == .label && !labelPresent {
                ignored.append(Ignored(actor: signal.actor, kind: signal.kind, reason: .labelRemoved))
            } else if seen.insert(who).inserted {
                approved.append(signal.actor)
            }
        }
        return ApprovalTally(approvedBy: approved, required: max(1, required), ignored: ignored)
    }
}
