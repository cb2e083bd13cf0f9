import Foundation

/// Where an environment stands, as the store records it.
public enum EnvironmentStatus: String, Sendable, CaseIterable, Codable {
    case queued, building, deploying, healthy, failed
    case tornDown = "torn-down"

    /// Something runs (or is about to) for this environment.
    public var isLive: Bool { self != .tornDown }

    /// A job's run is (or was, if it was interrupted) between its start and its end.
    public var isInProgress: Bool { self == .queued || self == .building || self == .deploying }
}

/// One environment the store knows.
public struct CurrentEnvironment: Sendable, Equatable {
    public var name: String
    public var kind: EnvironmentKind
    public var pullRequest: Int?
    /// The content the environment runs (or last tried to run).
    public var sha: String
    public var contentID: String
    public var status: EnvironmentStatus

    public init(name: String, kind: EnvironmentKind, pullRequest: Int? = nil, sha: String, contentID: String, status: EnvironmentStatus) {
        self.name = name
        self.kind = kind
        self.pullRequest = pullRequest
        self.sha = sha
        self.contentID = contentID
        self.status = status
    }
}

/// A job already in the queue (queued or running).
public struct PendingJob: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case deploy, teardown
    }

    public var environment: String
    public var kind: Kind
    public var contentID: String?
    public var pullRequest: Int?

    public init(environment: String, kind: Kind, contentID: String?, pullRequest: Int? = nil) {
        self.environment = environment
        self.kind = kind
        self.contentID = contentID
        self.pullRequest = pullRequest
    }
}

public struct CurrentState: Sendable, Equatable {
    public var environments: [CurrentEnvironment]
    public var pendingJobs: [PendingJob]

    public init(environments: [CurrentEnvironment] = [], pendingJobs: [PendingJob] = []) {
        self.environments = environments
        self.pendingJobs = pendingJobs
    }
}
