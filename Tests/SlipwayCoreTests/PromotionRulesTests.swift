import Foundation
import SlipwayCore
import Testing

@Suite("Promotion rules: approvals and gates")
struct PromotionRulesTests {
    let rule = ApproverRule(["Alice", "bob", "carol", "acme/release"])

    func tally(_ signals: [ApprovalSignal], head: String = "h2", author: String? = "dave", required: Int = 1,
               labelPresent: Bool = true, teams: [String: Set<String>] = [:]) -> ApprovalTally {
        ApprovalTally.count(signals: signals, head: head, author: author, rule: rule, teamMembers: teams, required: required, labelPresent: labelPresent)
    }

    @Test("an approver's label or approving review at the current head counts once per person; logins ignore case")
    func counts() {
        let result = tally([.init(kind: .label, actor: "alice", sha: "h2"), .init(kind: .review, actor: "ALICE", sha: "h2")], required: 2)
        #expect(result.approvedBy == ["alice"])
        #expect(!result.isComplete)
        #expect(result.missing == 1)
        let two = tally([.init(kind: .label, actor: "alice", sha: "h2"), .init(kind: .review, actor: "bob", sha: "h2")], required: 2)
        #expect(two.isComplete)
    }

    @Test("the author, non-approvers, older heads and removed labels do not count, each with its reason")
    func ignored() {
        let result = tally([
            .init(kind: .label, actor: "dave", sha: "h2"),
            .init(kind: .label, actor: "mallory", sha: "h2"),
            .init(kind: .review, actor: "bob", sha: "h1"),
            .init(kind: .label, actor: "carol", sha: "h2"),
        ], author: "Dave", labelPresent: false)
        #expect(result.approvedBy.isEmpty)
        #expect(result.ignored.map(\.reason) == [.author, .notApprover, .olderHead("h1"), .labelRemoved])
    }

    @Test("an approver listed as a team counts only when the team's members are known and include them")
    func teams() {
        #expect(tally([.init(kind: .review, actor: "erin", sha: "h2")]).approvedBy.isEmpty)
        #expect(tally([.init(kind: .review, actor: "Erin", sha: "h2")], teams: ["acme/release": ["erin"]]).approvedBy == ["Erin"])
        // The author is never counted, even through a team.
        #expect(tally([.init(kind: .review, actor: "erin", sha: "h2")], author: "erin", teams: ["acme/release": ["erin"]]).approvedBy.isEmpty)
    }

    @Test("gates: healthy on the source, checks, no deploy in progress, fast-forward only")
    func gates() {
        let pass = PromotionGates.evaluate(source: "staging", target: "production", head: "abcdef123", healthyOnSource: true, checks: .green,
                                           targetBusy: false, fastForward: .possible)
        #expect(PromotionGates.allPassed(pass))
        #expect(pass.map(\.name) == ["healthy on staging", "checks", "no deploy in progress", "fast-forward"])
        let failed = PromotionGates.evaluate(source: "staging", target: "production", head: "abcdef123", healthyOnSource: false, checks: .failing(["ci"]),
                                             targetBusy: true, fastForward: .diverged(count: 2))
        #expect(failed.map(\.state) == [.failed, .failed, .pending, .failed])
        #expect(failed.last?.detail.contains("2 commits that staging lacks") == true)
        // Checks not required: no checks gate; a missing target branch is created by the promotion.
        let first = PromotionGates.evaluate(source: "staging", target: "production", head: "abc", healthyOnSource: true, checks: nil,
                                            targetBusy: false, fastForward: .targetMissing)
        #expect(first.map(\.name) == ["healthy on staging", "no deploy in progress", "fast-forward"])
        #expect(PromotionGates.allPassed(first))
    }
}
