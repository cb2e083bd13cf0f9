public import SlipwayCore
public import Store

/// Told when the runner starts and finishes a job (PR comments, evidence). Called on the worker
/// thread that runs the job; keep it quick or hand the work to a thread of your own.
public protocol DeploymentObserver: Sendable {
    func jobStarted(_ job: JobRecord, environment: String)
    /// `job` carries its final status; `report` says what ran (never a secret value).
    func jobFinished(_ job: JobRecord, report: DeploymentReport)
}
