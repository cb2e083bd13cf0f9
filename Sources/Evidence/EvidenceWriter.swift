import Crypto
public import Foundation
public import Git
public import Reconcile
public import SlipwayCore
public import Store

/// Writes evidence records (and their redacted logs) to the evidence branch of the managed
/// repository, batched: records submitted within `batchWindow` of the first pending one go into
/// one commit, pushed to `origin` with the race handling of a never-forcing publisher. Each
/// pushed record is then indexed in the store.
///
/// A service: `start()` runs the batching thread (owned by the writer), `shutdown()` flushes
/// what is pending and stops it. `flush()` commits everything pending now, on the caller's
/// thread. Records that fail to publish stay pending and are tried again at the next flush.
/// Thread-safe.
public final class EvidenceWriter: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// The branch records go to (`slipway/evidence`; may be `main`).
        public var branch: String
        /// How the repository is named in records (`owner/name` or the source URL).
        public var repositoryName: String
        public var authorName: String
        public var authorEmail: String
        /// Records submitted within this many seconds of the first pending one share a commit.
        public var batchWindow: TimeInterval
        /// Push attempts per flush (each after fetching the branch again).
        public var maxPushAttempts: Int
        /// Credentials for pushing over HTTPS (nil for local paths).
        public var credentials: GitCredentials?
        /// Masks secret values in records and logs.
        public var redactor: Redactor

        public init(
            branch: String = "slipway/evidence", repositoryName: String, authorName: String = "slipway[bot]",
            authorEmail: String = "slipway[bot]@users.noreply.github.com", batchWindow: TimeInterval = 2,
            maxPushAttempts: Int = 16, credentials: GitCredentials? = nil, redactor: Redactor = Redactor()
        ) {
            self.branch = branch
            self.repositoryName = repositoryName
            self.authorName = authorName
            self.authorEmail = authorEmail
            self.batchWindow = batchWindow
            self.maxPushAttempts = maxPushAttempts
            self.credentials = credentials
            self.redactor = redactor
        }
    }

    /// One flushed commit.
    public struct Batch: Sendable {
        /// The evidence commit, as pushed.
        public let commit: String
        /// The records it holds, as indexed (with their folders).
        public let entries: [EvidenceIndexEntry]
        /// Push attempts it took (1 when nobody raced us).
        public let attempts: Int
    }

    private struct Pending {
        let record: EvidenceRecord
        /// Log path in the record folder (`logs/build.log`) -> redacted bytes.
        let logs: [String: Data]
    }

    public let configuration: Configuration
    private let repository: ManagedRepository
    private let store: (any Store)?
    private let logger: Logger
    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var firstPendingAt: Date?
    private var stopping = false
    private var thread: Thread?
    private var threadDone = false
    /// One flush at a time (the batching thread and explicit callers).
    private let flushLock = NSLock()

    public init(repository: ManagedRepository, store: (any Store)?, configuration: Configuration, logger: Logger = .discarding) {
        self.repository = repository
        self.store = store
        self.configuration = configuration
        self.logger = logger.with(["evidence.branch": configuration.branch])
    }

    deinit {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Submitting

    /// Queues the record for `report`; `logs` maps each step's `log` (as the report names it) to
    /// its bytes. Returns at once with the record (its id is final; its folder is chosen when the
    /// batch is committed).
    @discardableResult
    public func submit(_ report: DeploymentReport, logs: [String: Data] = [:], actor: String? = nil) -> EvidenceRecord {
        let trigger = EvidenceRecord.Trigger(parsing: report.trigger, actor: actor ?? report.approver)
        let record = EvidenceRecord(id: Self.newID(), repository: configuration.repositoryName, report: report,
                                    trigger: trigger, redactor: configuration.redactor)
        var files: [String: Data] = [:]
        for step in report.steps {
            guard let name = step.log, let data = logs[name] else { continue }
            let redacted = configuration.redactor.redact(String(decoding: data, as: UTF8.self))
            files[EvidenceRecord.logPath(name)] = Data(redacted.utf8)
        }
        condition.lock()
        pending.append(Pending(record: record, logs: files))
        if firstPendingAt == nil { firstPendingAt = Date() }
        condition.broadcast()
        condition.unlock()
        return record
    }

    /// The most of one log a record holds (the runner bounds its logs below this already; a
    /// larger file keeps its head and tail).
    public static let maxLogBytes = 16 << 20

    /// Like `submit(_:logs:)`, reading each step's log from `logDirectory/<step.log>` (at most
    /// `maxLogBytes` of each).
    @discardableResult
    public func submit(_ report: DeploymentReport, logDirectory: String, actor: String? = nil) -> EvidenceRecord {
        var logs: [String: Data] = [:]
        for step in report.steps {
            guard let name = step.log else { continue }
            let path = (logDirectory as NSString).appendingPathComponent(name)
            if let data = Self.readBounded(path, limit: Self.maxLogBytes) { logs[name] = data }
        }
        return submit(report, logs: logs, actor: actor)
    }

    /// The file's bytes, or its head and tail around a marked cut when it is over `limit`.
    static func readBounded(_ path: String, limit: Int) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        try? handle.seek(toOffset: 0)
        guard size > UInt64(limit) else { return try? handle.readToEnd() ?? Data() }
        let half = limit / 2
        var data = (try? handle.read(upToCount: half)) ?? Data()
        data.append(Data("\n[slipway] … \(size - UInt64(2 * half)) bytes cut …\n".utf8))
        try? handle.seek(toOffset: size - UInt64(half))
        data.append((try? handle.read(upToCount: half)) ?? Data())
        return data
    }

    /// Records waiting for a commit.
    public var pendingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }

    // MARK: Flushing

    /// Commits and pushes everything pending in one commit, then indexes it. Nil when nothing
    /// was pending. On failure the records stay pending and the error is thrown.
    @discardableResult
    public func flush() throws -> Batch? {
        flushLock.lock()
        defer { flushLock.unlock() }
        condition.lock()
        let batch = pending
        pending = []
        firstPendingAt = nil
        condition.unlock()
        guard !batch.isEmpty else { return nil }
        do {
            return try publish(batch)
        } catch {
            condition.lock()
            pending = batch + pending
            if firstPendingAt == nil { firstPendingAt = Date() }
            condition.unlock()
            throw error
        }
    }

    private func publish(_ batch: [Pending]) throws -> Batch {
        let publisher = BranchPublisher(repository: repository, branch: configuration.branch,
                                        credentials: configuration.credentials, maxAttempts: configuration.maxPushAttempts)
        let author = Signature(name: configuration.authorName, email: configuration.authorEmail)
        var folders: [String] = []
        let outcome = try publisher.publish(author: author) { repo, tip in
            folders = []
            var changes: [String: FileChange] = [:]
            var taken = Set<String>()
            for item in batch {
                let folder = try Self.freeFolder(EvidenceLayout.folder(for: item.record), repo: repo, tip: tip, taken: &taken)
                folders.append(folder)
                changes[folder + "/record.json"] = .write(try item.record.encoded())
                for (path, data) in item.logs { changes[folder + "/" + path] = .write(data) }
            }
            return (changes, Self.message(batch.map(\.record)))
        }
        guard case .published(let published) = outcome else {
            throw PublishError("nothing to commit for \(batch.count) records")
        }
        let commit = published.commit.hex
        var entries: [EvidenceIndexEntry] = []
        for (item, folder) in zip(batch, folders) {
            let json = String(decoding: try item.record.encoded(), as: UTF8.self)
            entries.append(EvidenceIndexEntry(
                id: item.record.id, environment: item.record.environment, environmentKind: item.record.environmentKind,
                kind: item.record.kind, sha: item.record.sha, pullRequest: item.record.pullRequest,
                outcome: item.record.outcome, startedAt: item.record.startedAt, finishedAt: item.record.finishedAt,
                path: folder, branch: configuration.branch, commit: commit, record: json, logs: item.logs.keys.sorted()))
        }
        if let store {
            do {
                try store.indexEvidence(entries)
            } catch {
                // Git holds the records; the index can be rebuilt from it (`EvidenceIndexer`).
                logger.error("evidence committed but not indexed", ["error": "\(error)", "commit": commit])
            }
        }
        logger.info("evidence committed", ["commit": commit, "records": "\(entries.count)", "attempts": "\(published.attempts)"])
        return Batch(commit: commit, entries: entries, attempts: published.attempts)
    }

    /// Commits one file outside the deploy records (a snapshot's record under `snapshots/`) to
    /// the evidence branch and pushes it, with the same race handling. `data` must already be
    /// free of secrets; it is redacted again as text. Returns the commit.
    @discardableResult
    public func publishFile(_ path: String, data: Data, message: String) throws -> String {
        flushLock.lock()
        defer { flushLock.unlock() }
        let publisher = BranchPublisher(repository: repository, branch: configuration.branch,
                                        credentials: configuration.credentials, maxAttempts: configuration.maxPushAttempts)
        let author = Signature(name: configuration.authorName, email: configuration.authorEmail)
        let clean = Data(configuration.redactor.redact(String(decoding: data, as: UTF8.self)).utf8)
        let outcome = try publisher.publish(author: author) { _, _ in ([path: .write(clean)], message) }
        guard case .published(let published) = outcome else { throw PublishError("nothing to commit for \(path)") }
        logger.info("evidence committed", ["commit": published.commit.hex, "file": path])
        return published.commit.hex
    }

    /// `base`, or `base-2`, `base-3`, ... when a record already sits there (same second, SHA and
    /// kind) on the branch or in this batch.
    static func freeFolder(_ base: String, repo: Repository, tip: ObjectID?, taken: inout Set<String>) throws -> String {
        var candidate = base
        var number = 1
        while true {
            let used = try taken.contains(candidate) || (tip.map { try repo.blob(at: candidate + "/record.json", commit: $0) != nil } ?? false)
            if !used { break }
            number += 1
            candidate = "\(base)-\(number)"
        }
        taken.insert(candidate)
        return candidate
    }

    static func message(_ records: [EvidenceRecord]) -> String {
        let subject: String
        if records.count == 1, let record = records.first {
            subject = "evidence: \(record.environment) \(record.kind) \(record.sha.prefix(7)) \(record.outcome)"
        } else {
            let environments = Set(records.map(\.environment)).sorted().joined(separator: ", ")
            subject = "evidence: \(records.count) records (\(environments))"
        }
        var body = ""
        for record in records {
            body += "- \(record.environment) \(record.kind) \(record.sha.prefix(7)): \(record.outcome)\n"
        }
        return subject + "\n\n" + body + "\nSlipway-Evidence: " + records.map(\.id).joined(separator: ", ") + "\n"
    }

    static func newID() -> String {
        String(Hex.encode(SHA256.hash(UUID().uuidString + "\(Date().timeIntervalSince1970)")).prefix(16))
    }

    // MARK: The batching service

    /// Starts the thread that flushes each batch `batchWindow` after its first record.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard thread == nil else { return }
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "slipway-evidence"
        self.thread = thread
        thread.start()
    }

    /// Flushes what is pending (one last attempt) and stops the batching thread.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while thread != nil && !threadDone { condition.wait() }
        condition.unlock()
        do {
            try flush()
        } catch {
            logger.error("evidence not committed at shutdown", ["error": "\(error)", "records": "\(pendingCount)"])
        }
    }

    private func run() {
        condition.lock()
        while !stopping {
            guard let first = firstPendingAt else {
                condition.wait()
                continue
            }
            let due = first.addingTimeInterval(configuration.batchWindow)
            if Date() < due {
                _ = condition.wait(until: due)
                continue
            }
            condition.unlock()
            do {
                try flush()
            } catch {
                logger.error("evidence flush failed; will retry", ["error": "\(error)"])
            }
            condition.lock()
        }
        threadDone = true
        condition.broadcast()
        condition.unlock()
    }
}
