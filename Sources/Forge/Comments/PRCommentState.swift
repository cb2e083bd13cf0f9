public import Foundation
public import SlipwayCore

/// Everything the sticky PR comment shows: one section per environment of the pull request.
/// Built by the lead from the store's environment rows and each environment's last
/// `DeploymentReport`. A plain value.
public struct PRCommentState: Sendable, Equatable, Codable {
    /// Where an environment is in its life.
    public enum EnvironmentState: String, Sendable, Codable, CaseIterable {
        case building, deploying, healthy, failed
        case tornDown = "torn down"

        /// A short label with an emoji for the comment.
        public var label: String {
            switch self {
            case .building: "🔨 building"
            case .deploying: "🚀 deploying"
            case .healthy: "✅ healthy"
            case .failed: "❌ failed"
            case .tornDown: "🧹 torn down"
            }
        }
    }

    /// One environment's section.
    public struct Environment: Sendable, Equatable, Codable {
        public var name: String
        public var url: String?
        public var state: EnvironmentState
        /// The commit it runs (or is building).
        public var sha: String
        public var buildSeconds: Double?
        public var deploySeconds: Double?
        /// The last health probe, e.g. `HTTP 200 in 35 ms`, or the probe error.
        public var health: String?
        /// The evidence record of the last deploy.
        public var evidenceURL: String?
        /// The neutralization in force (`mail: catch-all`, `crons: off`, ...).
        public var neutralization: [String]
        /// The environment's database: where its data came from (`snapshot slipway_snap_…`).
        public var database: String?
        /// When the environment will be torn down (TTL), if it has one.
        public var tearDownAt: Date?
        /// For failures: the phase that failed, a one-line reason, and the last log lines.
        public var failedPhase: String?
        public var failure: String?
        public var failureLogTail: [String]

        public init(name: String, url: String? = nil, state: EnvironmentState, sha: String, buildSeconds: Double? = nil,
                    deploySeconds: Double? = nil, health: String? = nil, evidenceURL: String? = nil, neutralization: [String] = [],
                    database: String? = nil, tearDownAt: Date? = nil, failedPhase: String? = nil, failure: String? = nil, failureLogTail: [String] = []) {
            self.name = name
            self.url = url
            self.state = state
            self.sha = sha
            self.buildSeconds = buildSeconds
            self.deploySeconds = deploySeconds
            self.health = health
            self.evidenceURL = evidenceURL
            self.neutralization = neutralization
            self.database = database
            self.tearDownAt = tearDownAt
            self.failedPhase = failedPhase
            self.failure = failure
            self.failureLogTail = failureLogTail
        }

        /// The section for a finished (or running) deploy described by `report`: state from its
        /// outcome (`healthy` when it succeeded, `failed` when it failed or was cancelled, else
        /// `inProgress`), durations from its steps (`build*` and `deploy*` steps), health from the
        /// last probe, failure and log tail as recorded.
        public init(report: DeploymentReport, inProgress: EnvironmentState = .deploying, evidenceURL: String? = nil, tearDownAt: Date? = nil) {
            let state: EnvironmentState = switch report.outcome {
            case .succeeded: report.jobKind == "teardown" ? .tornDown : .healthy
            case .failed, .cancelled: .failed
            case nil: inProgress
            }
            let build = report.steps.filter { $0.name.hasPrefix("build") }
            let deploy = report.steps.filter { $0.name.hasPrefix("deploy") }
            self.init(
                name: report.environment, url: report.url, state: state, sha: report.sha,
                buildSeconds: build.isEmpty ? nil : report.buildSeconds,
                deploySeconds: deploy.isEmpty ? nil : deploy.reduce(0) { $0 + $1.durationSeconds },
                health: report.health.last.map(Self.describe), evidenceURL: evidenceURL, neutralization: report.neutralization,
                database: report.database.map(Self.describe), tearDownAt: tearDownAt, failedPhase: state == .failed ? report.failedPhase?.rawValue : nil,
                failure: state == .failed ? (report.failure ?? (report.outcome == .cancelled ? "cancelled" : nil)) : nil,
                failureLogTail: state == .failed ? report.failureLogTail : []
            )
        }

        /// `snapshot slipway_snap_20261201 (scan passed)`.
        static func describe(_ database: DatabaseUse) -> String {
            database.origin + (database.scan.map { $0 == "passed" ? " (credential scan passed)" : "" } ?? "")
        }

        /// Whether a failure is Slipway's or the infrastructure's rather than the change's
        /// (commit status `error` instead of `failure`).
        public var isInfrastructureError: Bool {
            state == .failed && (failedPhase == "checkout" || failedPhase == "neutralization" || failure == "cancelled")
        }

        /// The commit status that goes with this section.
        public var commitStatus: CommitStatusRequest {
            let reason = failure.map { reason in failedPhase.map { "\($0) failed: \(reason)" } ?? reason }
            return CommitStatusRequest.forEnvironment(name, sha: sha, state: state, url: url, reason: reason,
                                                      isInfrastructureError: isInfrastructureError)
        }

        static func describe(_ attempt: DeploymentReport.HealthAttempt) -> String {
            if let status = attempt.status {
                let latency = attempt.latencySeconds.map { " in \(Int(($0 * 1000).rounded())) ms" } ?? ""
                return "HTTP \(status)\(latency)"
            }
            return attempt.error ?? "no answer"
        }
    }

    /// Something the PR's author should know that is not one environment's state: why the PR is
    /// not built, or what its changes to `environments/` will do after merge.
    public struct Notice: Sendable, Equatable, Codable {
        public var message: String
        /// Extra lines (validate's diagnostics, refused grants), shown as inert text.
        public var details: [String]

        public init(message: String, details: [String] = []) {
            self.message = message
            self.details = details
        }
    }

    public var pullRequest: Int
    public var environments: [Environment]
    public var notices: [Notice]
    /// Set when the bot runs builds without isolation (`--isolation none`): said in every comment.
    public var isolationWarning: String?

    public init(pullRequest: Int, environments: [Environment], notices: [Notice] = [], isolationWarning: String? = nil) {
        self.pullRequest = pullRequest
        self.environments = environments
        self.notices = notices
        self.isolationWarning = isolationWarning
    }
}
