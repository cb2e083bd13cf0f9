public import Foundation
public import Git
public import Reconcile
public import Store
import Zlib

/// Retention for the evidence branch: removes record folders older than a cutoff and gzips the
/// logs of records older than a second cutoff, all in one commit (pushed with the same race
/// handling as the writer), then brings the store's index in step.
public struct EvidencePruner {
    public struct Result: Sendable, Equatable {
        /// Record folders removed.
        public var removed: [String]
        /// Log files compressed (their old paths; each is now `<path>.gz`).
        public var compressed: [String]
        /// The commit that did it; nil when nothing had to change.
        public var commit: String?
        /// Index rows removed.
        public var unindexed: Int
    }

    public var branch: String
    public var authorName: String
    public var authorEmail: String
    public var credentials: GitCredentials?
    public var maxPushAttempts: Int
    private let repository: ManagedRepository
    private let store: (any Store)?

    public init(
        repository: ManagedRepository, store: (any Store)?, branch: String = "slipway/evidence",
        authorName: String = "slipway[bot]", authorEmail: String = "slipway[bot]@users.noreply.github.com",
        credentials: GitCredentials? = nil, maxPushAttempts: Int = 16
    ) {
        self.repository = repository
        self.store = store
        self.branch = branch
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.credentials = credentials
        self.maxPushAttempts = maxPushAttempts
    }

    /// Removes records that started more than `olderThan` seconds before `now`; with
    /// `compressAfter`, gzips the logs of the remaining records older than that.
    public func prune(olderThan: TimeInterval, compressAfter: TimeInterval?, now: Date = Date()) throws -> Result {
        let removeBefore = now.addingTimeInterval(-olderThan)
        let compressBefore = compressAfter.map { now.addingTimeInterval(-$0) }
        let publisher = BranchPublisher(repository: repository, branch: branch, credentials: credentials, maxAttempts: maxPushAttempts)
        // The branch as the remote has it now.
        try repository.withRepository { repo in
            do { try publisher.fetchBranch(repo) } catch let error as GitError where error.kind == .notFound {}
        }
        var removed: [String] = []
        var compressed: [String] = []
        var logsAfter: [String: [String]] = [:]
        let outcome = try publisher.publish(author: Signature(name: authorName, email: authorEmail)) { repo, tip in
            removed = []
            compressed = []
            logsAfter = [:]
            guard let tip else { return nil }
            let entries: [TreeEntry]
            do {
                entries = try repo.tree(at: tip, path: EvidenceLayout.root, recursive: true)
            } catch let error as GitError where error.kind == .notFound {
                return nil
            }
            var changes: [String: FileChange] = [:]
            var folders: [String: [TreeEntry]] = [:]
            for entry in entries where entry.kind == .blob {
                let parts = entry.path.split(separator: "/")
                guard parts.count >= 7 else { continue }
                folders[parts[0..<6].joined(separator: "/"), default: []].append(entry)
            }
            for (folder, files) in folders.sorted(by: { $0.key < $1.key }) {
                guard let time = EvidenceLayout.time(ofFolder: folder) else { continue }
                if time < removeBefore {
                    changes[folder] = .delete
                    removed.append(folder)
                    continue
                }
                guard let compressBefore, time < compressBefore else { continue }
                var logs: [String] = []
                var touched = false
                for file in files.sorted(by: { $0.path < $1.path }) {
                    let relative = String(file.path.dropFirst(folder.count + 1))
                    guard relative.hasPrefix("logs/") else { continue }
                    if relative.hasSuffix(".log"), let data = try repo.blob(at: file.path, commit: tip) {
                        changes[file.path] = .delete
                        changes[file.path + ".gz"] = .write(try Gzip.compress(data))
                        compressed.append(file.path)
                        logs.append(relative + ".gz")
                        touched = true
                    } else {
                        logs.append(relative)
                    }
                }
                if touched { logsAfter[folder] = logs.sorted() }
            }
            guard !changes.isEmpty else { return nil }
            var message = "evidence: prune \(removed.count) record\(removed.count == 1 ? "" : "s")"
            if !compressed.isEmpty { message += ", compress \(compressed.count) log\(compressed.count == 1 ? "" : "s")" }
            message += "\n\nRecords that started before \(EvidenceTime.iso(removeBefore)) are removed"
            if let compressBefore { message += "; logs of records before \(EvidenceTime.iso(compressBefore)) are gzipped" }
            message += ".\n\nSlipway-Evidence-Pruned: \(removed.count)\n"
            return (changes, message)
        }
        var result = Result(removed: removed, compressed: compressed, commit: nil, unindexed: 0)
        if case .published(let published) = outcome { result.commit = published.commit.hex }
        if let store {
            result.unindexed = try store.removeEvidence(paths: removed, startedBefore: removeBefore)
            if let commit = result.commit { try store.updateEvidenceLogs(logsAfter, commit: commit) }
        }
        return result
    }
}
