public import Docs
public import SlipwayCore
public import Store
import Foundation

extension ObservedState {
    /// What the store says runs now, for the docs: every environment that is not torn down (the
    /// `ObservedState.maximumEnvironments` most recently updated), each with its newest deploy
    /// from the evidence index. `report`, when given, is the deploy the docs follow: it names
    /// the state ("as of") and, since the evidence index is written in batches, gives its
    /// environment's last deploy and health check first-hand.
    public init(store: any Store, after report: DeploymentReport? = nil) throws {
        let records = try store.environments().filter { $0.status != .tornDown }.sorted { $0.updatedAt > $1.updatedAt }
        var environments: [Environment] = []
        for (position, record) in records.enumerated() {
            var environment = Environment(
                name: record.name, kind: record.kind.rawValue, status: record.status.rawValue, sha: record.sha, url: record.url,
                pullRequest: record.pullRequest, specFile: record.specFile, lastFailure: record.status == .failed ? record.lastError : nil,
                updatedAt: record.updatedAt)
            // Only the environments that are kept are looked up (a bounded number of queries).
            if position < Self.maximumEnvironments {
                if let report, report.environment == record.name {
                    environment.lastDeployAt = report.finishedAt ?? report.startedAt
                    environment.lastDeployOutcome = report.outcome?.rawValue
                    environment.health = Self.health(status: report.health.last?.status, attempts: report.health.count)
                } else if let row = try store.deployments(environment: record.name, limit: 5).first(where: { $0.kind == "deploy" }) {
                    environment.lastDeployAt = row.finishedAt ?? row.startedAt
                    environment.lastDeployOutcome = row.outcome
                    environment.health = Self.health(status: row.lastHealthStatus, attempts: row.healthAttempts)
                }
            }
            environments.append(environment)
        }
        let staging = records.first { $0.kind == .staging } ?? records.first
        self.init(asOfEnvironment: report?.environment ?? staging?.name ?? "no", asOfSHA: report?.sha ?? staging?.sha ?? "",
                  environments: environments)
    }

    /// `HTTP 200 after 1 attempt`; nil when no probe ran.
    static func health(status: Int?, attempts: Int) -> String? {
        guard attempts > 0 else { return nil }
        let tries = "\(attempts) attempt\(attempts == 1 ? "" : "s")"
        return status.map { "HTTP \($0) after \(tries)" } ?? "no answer after \(tries)"
    }
}
