public import Foundation
import Git
public import Reconcile
import SlipwayCore
public import Store

/// A draft postmortem of a failed staging or production deploy, committed on the evidence
/// branch as `postmortems/YYYYMMDD-<environment>-<sha7>.md`: the timeline from the evidence, the
/// failing phase and reason, the log tails, the health attempts, and what changed since the last
/// good version (commits and files). Everything in it comes from records that were already
/// redacted; it is a draft for people to finish ("What we learned" is theirs to write).
public struct Postmortem: Sendable, Equatable {
    public var path: String
    public var markdown: String

    /// Timeline entries, commits and files shown at most.
    static let timelineLimit = 15
    static let commitLimit = 50
    static let fileLimit = 100

    /// `postmortems/20261201-production-abc1234.md`.
    public static func path(environment: String, sha: String, startedAt: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: startedAt)
        let day = String(format: "%04d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return "postmortems/\(day)-\(environment)-\(sha.prefix(7)).md"
    }

    /// Builds the postmortem of `record` (a failed deploy) from the environment's evidence in the
    /// store and the repository's history. `logTails` are the failing logs' last lines (name →
    /// lines); without them the record's own failure tail is used.
    public static func make(record: EvidenceRecord, failureTail: [String], store: any Store, repository: ManagedRepository) throws -> Postmortem {
        let history = try store.evidence(environment: record.environment, limit: 200)
        let lastGood = history.first { $0.kind == "deploy" && $0.outcome == "succeeded" && $0.startedAt < record.startedAt && $0.sha != record.sha }
        var commits: [CommitInfo] = []
        var files: [String] = []
        if let failed = ObjectID(hex: record.sha) {
            try repository.withRepository { repo in
                let good = lastGood.flatMap { ObjectID(hex: $0.sha) }
                commits = (try? repo.commits(from: failed, excluding: good, limit: commitLimit)) ?? []
                if let good { files = (try? changedFiles(repo, from: good, to: failed)) ?? [] }
            }
        }
        let markdown = render(record: record, failureTail: failureTail, history: history, lastGood: lastGood, commits: commits, files: files)
        return Postmortem(path: path(environment: record.environment, sha: record.sha, startedAt: record.startedAt), markdown: markdown)
    }

    /// Paths added, removed or changed between two commits (`A`, `D`, `M`).
    static func changedFiles(_ repo: Repository, from old: ObjectID, to new: ObjectID) throws -> [String] {
        func blobs(_ commit: ObjectID) throws -> [String: ObjectID] {
            Dictionary(try repo.tree(at: commit, recursive: true).filter { $0.kind == .blob }.map { ($0.path, $0.id) },
                       uniquingKeysWith: { a, _ in a })
        }
        let before = try blobs(old), after = try blobs(new)
        var changes: [String] = []
        for path in Set(before.keys).union(after.keys).sorted() {
            switch (before[path], after[path]) {
            case (nil, _?): changes.append("A \(path)")
            case (_?, nil): changes.append("D \(path)")
            case (let a?, let b?) where a != b: changes.append("M \(path)")
            default: break
            }
        }
        return changes
    }

    static func render(record: EvidenceRecord, failureTail: [String], history: [EvidenceIndexEntry], lastGood: EvidenceIndexEntry?,
                       commits: [CommitInfo], files: [String]) -> String {
        let short = String(record.sha.prefix(7))
        var out = "# Postmortem (draft): \(record.environment) deploy of \(short) failed\n\n"
        out += "> Drafted by Slipway from the deployment evidence. Edit it: the timeline and facts are the bot's;\n"
        out += "> the impact, the cause and what we learned are yours.\n\n"
        out += "| | |\n| --- | --- |\n"
        out += "| Environment | `\(record.environment)` (\(record.environmentKind)) |\n"
        out += "| Commit | `\(record.sha)` |\n"
        out += "| Started | \(EvidenceTime.iso(record.startedAt)) |\n"
        if let finished = record.finishedAt { out += "| Finished | \(EvidenceTime.iso(finished)) |\n" }
        out += "| Failed phase | \(record.failedPhase ?? "unknown") |\n"
        out += "| Reason | \(cell(record.failure ?? "not recorded")) |\n"
        out += "| Trigger | \(cell(record.trigger.type + (record.trigger.actor.map { " by \($0)" } ?? ""))) |\n"
        if !(record.approvers ?? []).isEmpty { out += "| Approved by | \((record.approvers ?? []).joined(separator: ", ")) |\n" }
        out += "| Evidence | `\(record.id)` |\n"
        if let lastGood {
            out += "| Last good version | `\(lastGood.sha.prefix(7))` (deployed \(EvidenceTime.iso(lastGood.startedAt)), evidence `\(lastGood.id)`) |\n"
            out += "| Roll back | `slipway env rollback \(record.environment) --to \(lastGood.sha.prefix(12))` |\n"
        } else {
            out += "| Last good version | none recorded |\n"
        }

        out += "\n## Timeline (UTC)\n\n"
        let timeline = history.filter { $0.startedAt <= record.startedAt || $0.id == record.id }.prefix(timelineLimit).reversed()
        for entry in timeline {
            out += "- \(EvidenceTime.iso(entry.startedAt)) \(entry.kind) of `\(entry.sha.prefix(7))`: \(entry.outcome)\(entry.id == record.id ? " ← this one" : "")\n"
        }
        if !timeline.contains(where: { $0.id == record.id }) {
            out += "- \(EvidenceTime.iso(record.startedAt)) deploy of `\(short)`: \(record.outcome) ← this one\n"
        }

        out += "\n## What failed\n\n"
        for step in record.steps {
            let result = step.killedBecause.map { "killed (\($0))" } ?? step.exitCode.map { "exit \($0)" } ?? "no exit status"
            out += "- \(cell(step.name)): `\(cell(step.command))` → \(result) after \(String(format: "%.1f", step.durationSeconds)) s\n"
        }
        if record.steps.isEmpty { out += "- no step ran (the \(record.failedPhase ?? "deploy") phase failed before any command)\n" }
        if !record.health.isEmpty {
            out += "\nHealth checks (\(record.health.count)):\n\n"
            for attempt in record.health.suffix(10) {
                let result = attempt.status.map { "HTTP \($0)" } ?? attempt.error.map(cell) ?? "no answer"
                out += "- \(EvidenceTime.iso(attempt.at)): \(result)\n"
            }
        }
        if !failureTail.isEmpty {
            let fence = failureTail.contains { $0.contains("```") } ? "~~~~" : "```"
            out += "\nLast lines of the failing log:\n\n\(fence)text\n" + failureTail.suffix(40).joined(separator: "\n") + "\n\(fence)\n"
        }

        out += "\n## What changed since the last good version\n\n"
        if let lastGood {
            out += "Commits in `\(lastGood.sha.prefix(7))..\(short)`"
            out += commits.count >= commitLimit ? " (the newest \(commitLimit)):\n\n" : ":\n\n"
            for commit in commits {
                let subject = commit.message.split(separator: "\n").first.map(String.init) ?? ""
                out += "- `\(commit.id.hex.prefix(7))` \(cell(subject)) (\(cell(commit.author.name)))\n"
            }
            if commits.isEmpty { out += "- none found (the history may have been rewritten)\n" }
            out += "\nFiles (\(files.count)):\n\n"
            for file in files.prefix(fileLimit) { out += "- `\(cell(file))`\n" }
            if files.count > fileLimit { out += "- … and \(files.count - fileLimit) more\n" }
        } else {
            out += "No earlier healthy deploy of this environment is recorded.\n"
        }
        out += "\n## Impact\n\n_To be written._\n\n## Cause\n\n_To be written._\n\n## What we learned\n\n_To be written._\n"
        return out
    }

    /// One line, with nothing that would break a table or start markup.
    public static func cell(_ text: String) -> String {
        String(text.split(whereSeparator: \.isNewline).first ?? "").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "@", with: "@\u{200B}").prefix(300).description
    }
}
