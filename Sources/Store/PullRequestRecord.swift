public import Foundation
public import SlipwayCore

/// What the bot knows about one pull request: where its head is (git), and its metadata (the
/// forge or webhooks). Kept in the store so a reconcile from git alone keeps the metadata.
public struct PullRequestRecord: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        case open, closed
    }

    public var number: Int
    public var state: State
    public var headSHA: String
    public var baseRef: String
    public var headRef: String?
    public var isDraft: Bool
    /// Same repository or fork as a verified webhook or the forge said; `unknown` when only a
    /// git ref was seen.
    public var provenance: PullRequestProvenance
    public var labels: [String]
    public var author: String?
    /// For each label, the head the PR had when the label was last added (fork trust).
    public var labelHeads: [String: String]
    /// When the current head was first seen.
    public var headSeenAt: Date
    /// The forge's `updated_at` of the newest metadata applied; older metadata is ignored.
    public var updatedAt: String?

    public init(
        number: Int, state: State, headSHA: String, baseRef: String, headRef: String? = nil,
        isDraft: Bool = false, provenance: PullRequestProvenance = .unknown, labels: [String] = [], author: String? = nil,
        labelHeads: [String: String] = [:], headSeenAt: Date, updatedAt: String? = nil
    ) {
        self.number = number
        self.state = state
        self.headSHA = headSHA
        self.baseRef = baseRef
        self.headRef = headRef
        self.isDraft = isDraft
        self.provenance = provenance
        self.labels = labels
        self.author = author
        self.labelHeads = labelHeads
        self.headSeenAt = headSeenAt
        self.updatedAt = updatedAt
    }

    /// The planner's view of an open PR.
    public var info: PullRequestInfo {
        PullRequestInfo(number: number, headSHA: headSHA, baseRef: baseRef, headRef: headRef, isDraft: isDraft,
                        provenance: provenance, labels: labels, author: author, labelHeads: labelHeads,
                        headSeenAt: headSeenAt)
    }
}

/// One environment as the store records it (the runner keeps it current).
public struct EnvironmentRecord: Sendable, Equatable {
    public var name: String
    public var kind: EnvironmentKind
    public var pullRequest: Int?
    public var sha: String
    public var contentID: String
    public var specFile: String
    /// The commit the spec was read at (a preview's base tip; nil for records from before
    /// that was recorded: then `sha`).
    public var specSHA: String?
    public var status: EnvironmentStatus
    public var url: String?
    public var port: Int?
    public var pid: Int32?
    /// The process start time (from /proc) that, with the pid, identifies the running app.
    public var processStart: UInt64?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        name: String, kind: EnvironmentKind, pullRequest: Int? = nil, sha: String, contentID: String,
        specFile: String, specSHA: String? = nil, status: EnvironmentStatus, url: String? = nil, port: Int? = nil, pid: Int32? = nil,
        processStart: UInt64? = nil, lastError: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.specSHA = specSHA
        self.name = name
        self.kind = kind
        self.pullRequest = pullRequest
        self.sha = sha
        self.contentID = contentID
        self.specFile = specFile
        self.status = status
        self.url = url
        self.port = port
        self.pid = pid
        self.processStart = processStart
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var current: CurrentEnvironment {
        CurrentEnvironment(name: name, kind: kind, pullRequest: pullRequest, sha: sha, contentID: contentID, status: status)
    }
}

/// A durable unit of work for the runner.
public struct JobRecord: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case queued, running, succeeded, failed, cancelled, superseded

        public var isPending: Bool { self == .queued || self == .running }
    }

    public var id: Int64
    public var environment: String
    public var kind: PendingJob.Kind
    public var environmentKind: EnvironmentKind?
    public var pullRequest: Int?
    public var sha: String?
    public var contentID: String?
    public var specFile: String?
    /// The commit the spec is read at (the base tip for a preview); nil: `sha`.
    public var specSHA: String?
    public var reason: String
    /// What asked for it: `delivery:<id>`, `reconcile`, `command:<who>`.
    public var trigger: String
    public var status: Status
    /// How many times a worker took it (each claim adds one; the number fences the writes of
    /// that run: see `JobLease`).
    public var attempts: Int
    /// How many of those runs a graceful stop put back into the queue (they do not count
    /// against the attempt limit).
    public var requeues: Int
    public var cancelRequested: Bool
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(
        id: Int64, environment: String, kind: PendingJob.Kind, environmentKind: EnvironmentKind?, pullRequest: Int?,
        sha: String?, contentID: String?, specFile: String?, reason: String, trigger: String, status: Status,
        attempts: Int, cancelRequested: Bool, error: String?, createdAt: Date, startedAt: Date?, finishedAt: Date?,
        specSHA: String? = nil, requeues: Int = 0
    ) {
        self.specSHA = specSHA
        self.requeues = requeues
        self.id = id
        self.environment = environment
        self.kind = kind
        self.environmentKind = environmentKind
        self.pullRequest = pullRequest
        self.sha = sha
        self.contentID = contentID
        self.specFile = specFile
        self.reason = reason
        self.trigger = trigger
        self.status = status
        self.attempts = attempts
        self.cancelRequested = cancelRequested
        self.error = error
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    public var pending: PendingJob { PendingJob(environment: environment, kind: kind, contentID: contentID, pullRequest: pullRequest) }

    /// Runs that counted: attempts less the ones a graceful stop put back.
    public var countedAttempts: Int { attempts - requeues }
}

/// A worker's hold on one run of a job: the job, the worker, and the attempt number its claim
/// produced. Every write of that run is fenced by all three, so a worker whose lease expired
/// (and whose job another worker took, with a higher attempt number) changes nothing.
public struct JobLease: Sendable, Equatable, CustomStringConvertible {
    public var id: Int64
    public var owner: String
    public var attempt: Int

    public init(id: Int64, owner: String, attempt: Int) {
        self.id = id
        self.owner = owner
        self.attempt = attempt
    }

    /// The lease a claim returned (`job.attempts` is this run's number).
    public init(job: JobRecord, owner: String) {
        self.init(id: job.id, owner: owner, attempt: job.attempts)
    }

    public var description: String { "job \(id) attempt \(attempt) (\(owner))" }
}
