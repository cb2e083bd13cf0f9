public import Foundation

/// What happened in one build-and-deploy (or teardown) attempt: the runner fills it in, the
/// evidence record and the PR comment are made from it. Never holds a secret value (logs are
/// redacted as they are written).
public struct DeploymentReport: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case succeeded, failed, cancelled
    }

    public enum Phase: String, Sendable, Codable {
        case checkout, neutralization, database, build, deploy, health, teardown
    }

    /// One build step (or driver command) that ran as a child process.
    public struct Step: Sendable, Equatable, Codable {
        public var name: String
        public var command: String
        public var exitCode: Int32?
        /// Set when the step was killed: `timeout` or `cancelled`.
        public var killedBecause: String?
        public var startedAt: Date
        public var durationSeconds: Double
        /// Path of the redacted log, relative to the environment's log directory.
        public var log: String?

        public init(name: String, command: String, exitCode: Int32?, killedBecause: String? = nil, startedAt: Date,
                    durationSeconds: Double, log: String? = nil) {
            self.name = name
            self.command = command
            self.exitCode = exitCode
            self.killedBecause = killedBecause
            self.startedAt = startedAt
            self.durationSeconds = durationSeconds
            self.log = log
        }
    }

    /// One HTTP health probe.
    public struct HealthAttempt: Sendable, Equatable, Codable {
        public var at: Date
        public var status: Int?
        public var latencySeconds: Double?
        public var error: String?

        public init(at: Date, status: Int?, latencySeconds: Double?, error: String?) {
            self.at = at
            self.status = status
            self.latencySeconds = latencySeconds
            self.error = error
        }
    }

    public var environment: String
    public var environmentKind: EnvironmentKind
    public var jobKind: String
    public var pullRequest: Int?
    public var sha: String
    public var contentID: String
    public var specFile: String
    public var trigger: String
    /// Production: who approved the promotion.
    public var approver: String?
    /// For a deploy of an approved promotion: approvers, gates and the source's evidence.
    public var promotion: ApprovedPromotion?
    /// For a deploy a person pinned (rollback, manual deploy, break glass).
    public var pin: EnvironmentPin?
    public var startedAt: Date
    public var finishedAt: Date?
    public var steps: [Step]
    /// SHA-256 of lock files found in the checkout, by path.
    public var lockFiles: [String: String]
    /// SHA-256 of the artifacts the spec declares, by path.
    public var artifacts: [String: String]
    public var health: [HealthAttempt]
    public var url: String?
    public var outcome: Outcome?
    /// The phase that failed, and a one-line reason (redacted).
    public var failedPhase: Phase?
    public var failure: String?
    /// The last lines of the failing step's log (redacted), for the PR comment.
    public var failureLogTail: [String]
    /// The neutralization in force (`mail: catch-all`, `crons: off`, ...).
    public var neutralization: [String]
    /// The environment's own database, when its spec has one.
    public var database: DatabaseUse?
    /// The container driver's image (id and digests).
    public var image: ContainerImageUse?

    public init(
        environment: String, environmentKind: EnvironmentKind, jobKind: String, pullRequest: Int?, sha: String,
        contentID: String, specFile: String, trigger: String, approver: String? = nil, startedAt: Date
    ) {
        self.environment = environment
        self.environmentKind = environmentKind
        self.jobKind = jobKind
        self.pullRequest = pullRequest
        self.sha = sha
        self.contentID = contentID
        self.specFile = specFile
        self.trigger = trigger
        self.approver = approver
        self.startedAt = startedAt
        self.steps = []
        self.lockFiles = [:]
        self.artifacts = [:]
        self.health = []
        self.failureLogTail = []
        self.neutralization = []
    }

    public var buildSeconds: Double {
        steps.filter { $0.name.hasPrefix("build") }.reduce(0) { $0 + $1.durationSeconds }
    }
}
