public import Foundation
public import Git
public import Reconcile
public import Store
import Zlib

/// Retention for the evidence branch: removes record folders older than a cutoff (and the
/// postmortems and snapshot records dated before it) and gzips the logs of records older than a
/// second cutoff, all in one commit (pushed with the same race handling as the writer), then
/// brings the store's index in step.
public struct EvidencePruner {
    public struct Result: Sendable, Equatable {
        /// Record folders removed.
        public var removed: [String]
        /// Postmortems (`postmortems/YYYYMMDD-…`) and snapshot records
        /// (`snapshots/slipway_snap_YYYYMMDDHHMMSS….json`) removed.
        public var removedFiles: [String] = []
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
        var removedFiles: [String] = []
        var compressed: [String] = []
        var logsAfter: [String: [String]] = [:]
        let outcome = try publisher.publish(author: Signature(name: authorName, email: authorEmail)) { repo, tip in
            removed = []
            compressed = []
            logsAfter = [:]
            guard let tip else { return nil }
            var changes: [String: FileChange] = [:]
            removedFiles = try Self.datedFiles(repo, tip, before: removeBefore)
            for path in removedFiles { changes[path] = .delete }
            var entries: [TreeEntry] = []
            do {
                entries = try repo.tree(at: tip, path: EvidenceLayout.root, recursive: true)
            } catch let error as GitError where error.kind == .notFound {}
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
            if !removedFiles.isEmpty { message += ", \(removedFiles.count) postmortem or snapshot file\(removedFiles.count == 1 ? "" : "s")" }
            if !compressed.isEmpty { message += ", compress \(compressed.count) log\(compressed.count == 1 ? "" : "s")" }
            message += "\n\nRecords that started before \(EvidenceTime.iso(removeBefore)) are removed"
            if let compressBefore { message += "; logs of records before \(EvidenceTime.iso(compressBefore)) are gzipped" }
            message += ".\n\nSlipway-Evidence-Pruned: \(removed.count)\n"
            return (changes, message)
        }
        var result = Result(removed: removed, removedFiles: removedFiles, compressed: compressed, commit: nil, unindexed: 0)
        if case .published(let published) = outcome { result.commit = published.commit.hex }
        if let store {
            result.unindexed = try store.removeEvidence(paths: removed, startedBefore: removeBefore)
            if let commit = result.commit { try store.updateEvidenceLogs(logsAfter, commit: commit) }
        }
        return result
    }

    /// The postmortems and snapshot records whose names date them before `cutoff` (a
    /// postmortem's day counts whole: it goes once its whole day is before the cutoff).
    static func datedFiles(_ repo: Repository, _ tip: ObjectID, before cutoff: Date) throws -> [String] {
        var old: [String] = []
        for (folder, prefix, digits, day) in [("postmortems", "", 8, true), ("snapshots", "slipway_snap_", 14, false)] {
            let entries: [TreeEntry]
            do {
                entries = try repo.tree(at: tip, path: folder)
            } catch let error as GitError where error.kind == .notFound {
                continue
            }
            for entry in entries where entry.kind == .blob && entry.name.hasPrefix(prefix) {
                let stamp = entry.name.dropFirst(prefix.count).prefix(digits)
                guard stamp.count == digits, stamp.allSatisfy(\.isASCII), stamp.allSatisfy(\.isNumber),
                      let time = stampFormatter(digits).date(from: String(stamp)) else { continue }
                if time.addingTimeInterval(day ? 86_400 : 0) <= cutoff { old.append(entry.path) }
            }
        }
        return old.sorted()
    }

    private static func stampFormatter(_ digits: Int) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = digits == 8 ? "yyyyMMdd" : "yyyyMMddHHmmss"
        return formatter
    }
}
