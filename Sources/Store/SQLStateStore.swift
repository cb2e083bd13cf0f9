import Foundation
import SlipwayCore

/// The pull request, environment and job tables, written once for both backends. A backend
/// provides a transaction with an executor; PostgreSQL also serialises job claims.
protocol SQLStateStore: Store {
    /// Runs `body` in one transaction (IMMEDIATE on SQLite) and returns its value.
    @discardableResult
    func inTransaction<T>(_ operation: String, _ body: (any SQLExecutor) throws -> T) throws -> T
    /// Runs `body`, which only reads, in one transaction that takes no write lock (a DEFERRED one
    /// on SQLite's reader connection), and returns its value.
    @discardableResult
    func inReadTransaction<T>(_ operation: String, _ body: (any SQLExecutor) throws -> T) throws -> T
    /// Takes whatever lock makes "no other job of this environment is running" a safe check
    /// (a transaction-level advisory lock on PostgreSQL; SQLite's write lock already is one).
    func lockJobClaims(_ executor: any SQLExecutor) throws
    /// Called after finished deliveries were deleted: drops what only they referred to (the
    /// SQLite store's spool segments). Nothing by default.
    func deliveriesPruned() throws
}

extension SQLStateStore {
    // MARK: Pull requests

    public func recordPullRequest(_ pr: PullRequestRecord) throws -> Bool {
        try inTransaction("record pull request") { x in
            let existing = try x.rows("SELECT * FROM pull_requests WHERE number = ?", [.int(Int64(pr.number))]).first.map(Self.pullRequest)
            if let existing, let old = existing.updatedAt, let new = pr.updatedAt, new < old { return false }
            var record = pr
            if let existing {
                if existing.headSHA == pr.headSHA { record.headSeenAt = existing.headSeenAt }
                record.labelHeads = existing.labelHeads.merging(pr.labelHeads) { _, new in new }
                record.updatedAt = pr.updatedAt ?? existing.updatedAt
            }
            try Self.upsert(x, record)
            return true
        }
    }

    public func observePullRequestHead(number: Int, sha: String, defaultBase: String, now: Date) throws {
        try observePullRequestHeads([number: sha], defaultBase: defaultBase, now: now)
    }

    public func observePullRequestHeads(_ heads: [Int: String], defaultBase: String, now: Date) throws {
        guard !heads.isEmpty else { return }
        try inTransaction("observe pull request heads") { x in
            let known = Dictionary(try x.rows("SELECT * FROM pull_requests", []).map(Self.pullRequest).map { ($0.number, $0) },
                                   uniquingKeysWith: { first, _ in first })
            for (number, sha) in heads.sorted(by: { $0.key < $1.key }) {
                guard var record = known[number] else {
                    try Self.upsert(x, PullRequestRecord(number: number, state: .open, headSHA: sha, baseRef: defaultBase, headSeenAt: now))
                    continue
                }
                guard record.headSHA != sha else { continue }
                record.headSHA = sha
                record.headSeenAt = now
                try Self.upsert(x, record)
            }
        }
    }

    /// Closes the open records not in `numbers` whose head was seen before `seenBefore` (when the
    /// listing that left them out began): a PR recorded from a webhook meanwhile (here or on
    /// another replica) is not closed by a listing older than it.
    public func closePullRequests(notIn numbers: Set<Int>, seenBefore: Date) throws {
        try inTransaction("close pull requests") { x in
            for row in try x.rows("SELECT number FROM pull_requests WHERE state = 'open' AND head_seen_at < ?",
                                  [.double(seenBefore.timeIntervalSince1970)]) {
                guard let number = row.int("number"), !numbers.contains(number) else { continue }
                try x.change("UPDATE pull_requests SET state = 'closed' WHERE number = ?", [.int(Int64(number))])
            }
        }
    }

    public func pullRequests() throws -> [PullRequestRecord] {
        try inReadTransaction("list pull requests") { x in
            try x.rows("SELECT * FROM pull_requests ORDER BY number", []).map(Self.pullRequest)
        }
    }

    static func upsert(_ x: any SQLExecutor, _ pr: PullRequestRecord) throws {
        try x.change(
            """
            INSERT INTO pull_requests (number, state, head_sha, base_ref, head_ref, draft, fork, labels, author,
                label_heads, head_seen_at, updated_at, provenance)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (number) DO UPDATE SET state = excluded.state, head_sha = excluded.head_sha,
                base_ref = excluded.base_ref, head_ref = excluded.head_ref, draft = excluded.draft, fork = excluded.fork,
                labels = excluded.labels, author = excluded.author, label_heads = excluded.label_heads,
                head_seen_at = excluded.head_seen_at, updated_at = excluded.updated_at, provenance = excluded.provenance
            """,
            [.int(Int64(pr.number)), .text(pr.state.rawValue), .text(pr.headSHA), .text(pr.baseRef), .optional(pr.headRef),
             .bool(pr.isDraft), .bool(pr.provenance != .sameRepository), .text(JSONColumn.encode(pr.labels)), .optional(pr.author),
             .text(JSONColumn.encode(pr.labelHeads)), .double(pr.headSeenAt.timeIntervalSince1970), .optional(pr.updatedAt),
             .text(pr.provenance.rawValue)]
        )
    }

    static func pullRequest(_ row: any SQLRow) -> PullRequestRecord {
        PullRequestRecord(
            number: row.int("number") ?? 0, state: row.string("state").flatMap(PullRequestRecord.State.init(rawValue:)) ?? .open,
            headSHA: row.string("head_sha") ?? "", baseRef: row.string("base_ref") ?? "", headRef: row.string("head_ref"),
            isDraft: row.flag("draft"),
            provenance: row.string("provenance").flatMap(PullRequestProvenance.init(rawValue:)) ?? .unknown, labels: JSONColumn.decodeList(row.string("labels")),
            author: row.string("author"), labelHeads: JSONColumn.decodeMap(row.string("label_heads")),
            headSeenAt: row.date("head_seen_at") ?? Date(timeIntervalSince1970: 0), updatedAt: row.string("updated_at")
        )
    }

    // MARK: Environments

    public func environments() throws -> [EnvironmentRecord] {
        try inReadTransaction("list environments") { x in
            try x.rows("SELECT * FROM environments ORDER BY name", []).map(Self.environment)
        }
    }

    public func environment(named name: String) throws -> EnvironmentRecord? {
        try inReadTransaction("read environment") { x in
            try x.rows("SELECT * FROM environments WHERE name = ?", [.text(name)]).first.map(Self.environment)
        }
    }

    public func saveEnvironment(_ env: EnvironmentRecord) throws {
        try inTransaction("save environment") { x in try Self.upsert(x, env) }
    }

    public func saveEnvironment(_ env: EnvironmentRecord, holding lease: JobLease) throws -> Bool {
        try inTransaction("save environment") { x in
            // The claim lock: no other worker can take the job between the check and the write.
            try lockJobClaims(x)
            guard try Self.holds(x, lease) else { return false }
            try Self.upsert(x, env)
            return true
        }
    }

    /// Whether the run `lease` still holds its job.
    static func holds(_ x: any SQLExecutor, _ lease: JobLease) throws -> Bool {
        try !x.rows("SELECT id FROM jobs WHERE id = ? AND lease_owner = ? AND attempts = ? AND status = 'running'",
                    [.int(lease.id), .text(lease.owner), .int(Int64(lease.attempt))]).isEmpty
    }

    static func upsert(_ x: any SQLExecutor, _ env: EnvironmentRecord) throws {
        try x.change(
            """
            INSERT INTO environments (name, kind, pull_request, sha, content_id, spec_file, status, url, port, pid,
                process_start, last_error, created_at, updated_at, spec_sha)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, pull_request = excluded.pull_request,
                sha = excluded.sha, content_id = excluded.content_id, spec_file = excluded.spec_file, spec_sha = excluded.spec_sha,
                status = excluded.status, url = excluded.url, port = excluded.port, pid = excluded.pid,
                process_start = excluded.process_start, last_error = excluded.last_error, updated_at = excluded.updated_at
            """,
            [.text(env.name), .text(env.kind.rawValue), .optional(env.pullRequest), .text(env.sha), .text(env.contentID),
             .text(env.specFile), .text(env.status.rawValue), .optional(env.url), .optional(env.port),
             env.pid.map { .int(Int64($0)) } ?? .null, env.processStart.map { .int(Int64(bitPattern: $0)) } ?? .null,
             .optional(env.lastError), .double(env.createdAt.timeIntervalSince1970), .double(env.updatedAt.timeIntervalSince1970),
             .optional(env.specSHA)]
        )
    }

    static func environment(_ row: any SQLRow) -> EnvironmentRecord {
        EnvironmentRecord(
            name: row.string("name") ?? "", kind: row.string("kind").flatMap(EnvironmentKind.init(rawValue:)) ?? .preview,
            pullRequest: row.int("pull_request"), sha: row.string("sha") ?? "", contentID: row.string("content_id") ?? "",
            specFile: row.string("spec_file") ?? "", specSHA: row.string("spec_sha"),
            status: row.string("status").flatMap(EnvironmentStatus.init(rawValue:)) ?? .failed,
            url: row.string("url"), port: row.int("port"), pid: row.int64("pid").map { Int32(truncatingIfNeeded: $0) },
            processStart: row.int64("process_start").map { UInt64(bitPattern: $0) }, lastError: row.string("last_error"),
            createdAt: row.date("created_at") ?? Date(timeIntervalSince1970: 0), updatedAt: row.date("updated_at") ?? Date(timeIntervalSince1970: 0)
        )
    }

    // MARK: Jobs

    public func enqueue(_ actions: [PlannedAction], trigger: String, now: Date) throws -> [JobRecord] {
        try inTransaction("enqueue jobs") { x in
            var created: [JobRecord] = []
            for action in actions where action.changes {
                let pending = try x.rows("SELECT * FROM jobs WHERE environment = ? AND status IN ('queued', 'running')", [.text(action.environment)])
                    .map(Self.job)
                let kind: PendingJob.Kind = action.kind == .teardown ? .teardown : .deploy
                if pending.contains(where: { $0.kind == kind && (kind == .teardown || $0.contentID == action.contentID) && !$0.cancelRequested }) {
                    continue
                }
                try x.change("UPDATE jobs SET status = 'superseded', finished_at = ? WHERE environment = ? AND status = 'queued'",
                             [.double(now.timeIntervalSince1970), .text(action.environment)])
                try x.change("UPDATE jobs SET cancel_requested = 1 WHERE environment = ? AND status = 'running'", [.text(action.environment)])
                let rows = try x.rows(
                    """
                    INSERT INTO jobs (environment, kind, environment_kind, pull_request, sha, content_id, spec_file, reason,
                        trigger, status, attempts, cancel_requested, created_at, spec_sha)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, 0, ?, ?) RETURNING *
                    """,
                    [.text(action.environment), .text(kind.rawValue), .optional(action.environmentKind?.rawValue),
                     .optional(action.pullRequest), .optional(action.sha), .optional(action.contentID), .optional(action.specFile),
                     .text(action.reason), .text(trigger), .double(now.timeIntervalSince1970), .optional(action.specSHA)]
                )
                created += rows.map(Self.job)
            }
            return created
        }
    }

    public func pendingJobs() throws -> [JobRecord] {
        try inReadTransaction("list pending jobs") { x in
            try x.rows("SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY id", []).map(Self.job)
        }
    }

    public func jobs(limit: Int) throws -> [JobRecord] {
        try inReadTransaction("list jobs") { x in
            try x.rows("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", [.int(Int64(limit))]).map(Self.job)
        }
    }

    public func job(id: Int64) throws -> JobRecord? {
        try inReadTransaction("read job") { x in
            try x.rows("SELECT * FROM jobs WHERE id = ?", [.int(id)]).first.map(Self.job)
        }
    }

    public func claimJob(owner: String, lease: TimeInterval, now: Date) throws -> JobRecord? {
        try inTransaction("claim job") { x in
            try lockJobClaims(x)
            let nowValue = SQLValue.double(now.timeIntervalSince1970)
            guard let candidate = try x.rows(
                """
                SELECT j.id FROM jobs j
                WHERE (j.status = 'queued' OR (j.status = 'running' AND j.lease_until < ?))
                  AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.environment = j.environment AND r.id <> j.id
                                  AND r.status = 'running' AND r.lease_until >= ?)
                ORDER BY j.id LIMIT 1
                """,
                [nowValue, nowValue]
            ).first?.int64("id") else { return nil }
            return try x.rows(
                """
                UPDATE jobs SET status = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1,
                    started_at = COALESCE(started_at, ?)
                WHERE id = ? RETURNING *
                """,
                [.text(owner), .double(now.addingTimeInterval(lease).timeIntervalSince1970), nowValue, .int(candidate)]
            ).first.map(Self.job)
        }
    }

    public func renewJobLease(id: Int64, owner: String, until: Date) throws -> Bool {
        try inTransaction("renew job lease") { x in
            try x.change("UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'",
                         [.double(until.timeIntervalSince1970), .int(id), .text(owner)]) == 1
        }
    }

    public func finishJob(id: Int64, owner: String, status: JobRecord.Status, error: String?, now: Date) throws {
        try inTransaction("finish job") { x in
            try x.change(
                """
                UPDATE jobs SET status = ?, error = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL
                WHERE id = ? AND lease_owner = ? AND status = 'running'
                """,
                [.text(status.rawValue), .optional(error), .double(now.timeIntervalSince1970), .int(id), .text(owner)]
            )
        }
    }

    public func renewJobLease(_ lease: JobLease, until: Date) throws -> Bool {
        try inTransaction("renew job lease") { x in
            try x.change("UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND attempts = ? AND status = 'running'",
                         [.double(until.timeIntervalSince1970), .int(lease.id), .text(lease.owner), .int(Int64(lease.attempt))]) == 1
        }
    }

    public func finishJob(_ lease: JobLease, status: JobRecord.Status, error: String?, now: Date) throws -> Bool {
        try inTransaction("finish job") { x in
            try x.change(
                """
                UPDATE jobs SET status = ?, error = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL
                WHERE id = ? AND lease_owner = ? AND attempts = ? AND status = 'running'
                """,
                [.text(status.rawValue), .optional(error), .double(now.timeIntervalSince1970), .int(lease.id), .text(lease.owner),
                 .int(Int64(lease.attempt))]
            ) == 1
        }
    }

    public func requeueJob(_ lease: JobLease) throws -> Bool {
        try inTransaction("requeue job") { x in
            try x.change(
                """
                UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_until = NULL, requeues = requeues + 1
                WHERE id = ? AND lease_owner = ? AND attempts = ? AND status = 'running'
                """,
                [.int(lease.id), .text(lease.owner), .int(Int64(lease.attempt))]
            ) == 1
        }
    }

    public func jobCounts() throws -> [JobRecord.Status: Int] {
        try inTransaction("count jobs") { x in
            var counts: [JobRecord.Status: Int] = [:]
            for row in try x.rows("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status", []) {
                guard let status = row.string("status").flatMap(JobRecord.Status.init(rawValue:)) else { continue }
                counts[status, default: 0] += row.int("n") ?? 0
            }
            return counts
        }
    }

    public func releaseJobs(ownedBy instance: String) throws -> Int {
        try inTransaction("release jobs") { x in
            var released = 0
            for row in try x.rows("SELECT id, lease_owner FROM jobs WHERE status = 'running'", []) {
                guard let owner = row.string("lease_owner"), owner.hasPrefix(instance + "/"), let id = row.int64("id") else { continue }
                released += try x.change("UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_until = NULL WHERE id = ?", [.int(id)])
            }
            return released
        }
    }

    // MARK: Key-value

    public func setValue(_ value: String?, forKey key: String) throws {
        try inTransaction("set value") { x in
            if let value {
                try x.change("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             [.text(key), .text(value)])
            } else {
                try x.change("DELETE FROM kv WHERE key = ?", [.text(key)])
            }
        }
    }

    public func value(forKey key: String) throws -> String? {
        try inReadTransaction("read value") { x in
            try x.rows("SELECT value FROM kv WHERE key = ?", [.text(key)]).first?.string("value")
        }
    }

    public func values(withPrefix prefix: String) throws -> [String: String] {
        try inReadTransaction("read values") { x in
            var result: [String: String] = [:]
            for row in try x.rows("SELECT key, value FROM kv WHERE key >= ? AND key < ?", [.text(prefix), .text(prefix + "\u{10FFFF}")]) {
                if let key = row.string("key"), key.hasPrefix(prefix) { result[key] = row.string("value") ?? "" }
            }
            return result
        }
    }

    public func nextCounter(_ name: String) throws -> Int64 {
        try inTransaction("next counter") { x in
            // One atomic statement, so concurrent replicas never get the same number.
            let rows = try x.rows(
                """
                INSERT INTO kv (key, value) VALUES (?, '1')
                ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(kv.value AS BIGINT) + 1 AS TEXT)
                RETURNING value
                """,
                [.text("counter:" + name)]
            )
            guard let value = rows.first?.string("value").flatMap({ Int64($0) }) else {
                throw StoreError(operation: "next counter", message: "the counter \(name) returned nothing")
            }
            return value
        }
    }

    static func job(_ row: any SQLRow) -> JobRecord {
        JobRecord(
            id: row.int64("id") ?? 0, environment: row.string("environment") ?? "",
            kind: row.string("kind").flatMap(PendingJob.Kind.init(rawValue:)) ?? .deploy,
            environmentKind: row.string("environment_kind").flatMap(EnvironmentKind.init(rawValue:)),
            pullRequest: row.int("pull_request"), sha: row.string("sha"), contentID: row.string("content_id"),
            specFile: row.string("spec_file"), reason: row.string("reason") ?? "", trigger: row.string("trigger") ?? "",
            status: row.string("status").flatMap(JobRecord.Status.init(rawValue:)) ?? .queued, attempts: row.int("attempts") ?? 0,
            cancelRequested: row.flag("cancel_requested"), error: row.string("error"),
            createdAt: row.date("created_at") ?? Date(timeIntervalSince1970: 0), startedAt: row.date("started_at"),
            finishedAt: row.date("finished_at"), specSHA: row.string("spec_sha"), requeues: row.int("requeues") ?? 0
        )
    }
}
