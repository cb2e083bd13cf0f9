import Foundation
import Reconcile
public import Git
public import Store

/// Rebuilds the store's evidence index (and the `builds` and `deployments` tables derived from
/// it) from the evidence branch: what `slipway evidence reindex` runs after a lost or new store,
/// or an upgrade that added tables.
public struct EvidenceIndexer {
    /// How many commits are read to find the one that added each record (its
    /// `Slipway-Evidence:` trailer); records beyond are attributed to the branch tip.
    public static let historyLimit = 100_000

    public var branch: String

    public init(branch: String = "slipway/evidence") {
        self.branch = branch
    }

    /// The index entries of every record on the branch, oldest first. A `record.json` that does
    /// not decode is reported in `problems` and left out.
    public func entries(repo: Repository) throws -> (entries: [EvidenceIndexEntry], problems: [String]) {
        let tip: ObjectID
        do {
            tip = try repo.resolve("refs/heads/" + branch)
        } catch let error as GitError where error.kind == .notFound {
            throw RepositoryError("the repository has no branch \(branch): no evidence was ever committed there")
        }
        let files: [TreeEntry]
        do {
            files = try repo.tree(at: tip, path: EvidenceLayout.root, recursive: true).filter { $0.kind == .blob }
        } catch let error as GitError where error.kind == .notFound {
            return ([], [])
        }
        // The commit that added each record, from the trailers the writer puts in every message.
        var commitOfRecord: [String: String] = [:]
        for commit in try repo.commits(from: tip, excluding: nil, limit: Self.historyLimit).reversed() {
            for line in commit.message.split(separator: "\n") where line.hasPrefix("Slipway-Evidence: ") {
                for id in line.dropFirst("Slipway-Evidence: ".count).split(separator: ",") {
                    let id = id.trimmingCharacters(in: .whitespaces)
                    if commitOfRecord[id] == nil { commitOfRecord[id] = commit.id.hex }
                }
            }
        }
        var logsOfFolder: [String: [String]] = [:]
        for file in files {
            guard let range = file.path.range(of: "/logs/") else { continue }
            let folder = String(file.path[..<range.lowerBound])
            logsOfFolder[folder, default: []].append(String(file.path.dropFirst(folder.count + 1)))
        }
        var entries: [EvidenceIndexEntry] = []
        var problems: [String] = []
        for file in files where file.path.hasSuffix("/record.json") {
            let folder = String(file.path.dropLast("/record.json".count))
            guard let data = try repo.blob(at: file.path, commit: tip) else { continue }
            let record: EvidenceRecord
            do {
                record = try EvidenceRecord.decode(data)
            } catch {
                problems.append("\(file.path): not an evidence record (\(error))")
                continue
            }
            entries.append(EvidenceIndexEntry(
                id: record.id, environment: record.environment, environmentKind: record.environmentKind, kind: record.kind,
                sha: record.sha, pullRequest: record.pullRequest, outcome: record.outcome, startedAt: record.startedAt,
                finishedAt: record.finishedAt, path: folder, branch: branch, commit: commitOfRecord[record.id] ?? tip.hex,
                record: String(decoding: data, as: UTF8.self), logs: (logsOfFolder[folder] ?? []).sorted()))
        }
        entries.sort { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
        return (entries, problems)
    }

    /// Replaces the store's index with the branch's records. Returns how many were indexed and
    /// the records left out.
    public func reindex(repo: Repository, store: any Store) throws -> (indexed: Int, problems: [String]) {
        let (entries, problems) = try entries(repo: repo)
        try store.replaceEvidenceIndex(entries)
        return (entries.count, problems)
    }
}
