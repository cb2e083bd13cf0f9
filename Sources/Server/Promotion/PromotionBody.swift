import Foundation
import Git
import SlipwayCore
import Store

/// The bot-owned body of a promotion pull request, updated in place: what would ship, the
/// source's evidence for the head, who may approve and who did, and the gates.
enum PromotionBody {
    static let marker = "<!-- slipway:promotion -->"

    static func render(source: String, target: String, head: String, commits: [CommitInfo], sourceEvidence: EvidenceIndexEntry?,
                       tally: ApprovalTally?, promotion: EnvironmentSpec.Promotion, gates: [PromotionGate], running: String?,
                       pin: EnvironmentPin?) -> String {
        let rule = ApproverRule(promotion.approvers)
        var lines = [marker, "## Promote \(source) to \(target)", ""]
        lines.append("Approving this pull request ships `\(head.prefix(12))` to **\(target)**"
            + (running.map { " (it runs `\($0.prefix(12))` now)" } ?? "") + ". Slipway fast-forwards the `\(target)` branch itself once it is approved and every gate passes; merging by hand is not needed.")
        lines.append("")
        if let pin {
            lines.append("> ⚠️ \(target) is \(pin.summary). This promotion lifts the pin.")
            lines.append("")
        }
        lines.append("### Approval")
        lines.append("")
        lines.append("\(promotion.required) approval\(promotion.required == 1 ? "" : "s") needed from \(rule.description): add the label `\(promotion.label)` or submit an approving review. Approvals count once per person, at the current head only; the author's never count.")
        if let tally {
            let given = tally.approvedBy.isEmpty ? "none yet" : tally.approvedBy.map { "@\($0)" }.joined(separator: ", ")
            lines.append("")
            lines.append("- Approved at `\(head.prefix(7))` by: \(given) (\(tally.approvedBy.count) of \(tally.required))")
            let stale = tally.ignored.filter { if case .olderHead = $0.reason { return true } else { return false } }
            if !stale.isEmpty {
                lines.append("- No longer counted (given before the latest push): \(Set(stale.map { "@\($0.actor)" }).sorted().joined(separator: ", "))")
            }
        }
        if !gates.isEmpty {
            lines.append("")
            lines.append("### Gates")
            lines.append("")
            for gate in gates {
                let mark = switch gate.state { case .passed: "✅" case .pending: "⏳" case .failed: "❌" }
                lines.append("- \(mark) **\(gate.name)**: \(gate.detail)")
            }
        }
        lines.append("")
        lines.append("### \(source) evidence")
        lines.append("")
        if let evidence = sourceEvidence {
            lines.append("- Deployed `\(evidence.sha.prefix(12))` on \(source) at \(LogFormat.timestamp(evidence.finishedAt ?? evidence.startedAt)): healthy (evidence `\(evidence.id)`, `\(evidence.path)` on `\(evidence.branch)`)")
        } else {
            lines.append("- No healthy deploy of this head on \(source) is recorded yet.")
        }
        lines.append("")
        lines.append("### Commits that would ship (\(commits.count)\(commits.count >= 50 ? "+" : ""))")
        lines.append("")
        for commit in commits.prefix(50) {
            let summary = commit.summary.replacingOccurrences(of: "`", with: "'")
            lines.append("- `\(commit.id.short())` \(summary.prefix(100))")
        }
        lines.append("")
        lines.append("<sub>Maintained by Slipway: this description is updated in place.</sub>")
        return lines.joined(separator: "\n") + "\n"
    }
}
