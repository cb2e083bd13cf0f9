import Foundation
import SlipwayCore
import Store

/// One way of running a built version (`deploy.driver`): the process, command and container
/// drivers. The build phase (spec, checkout, build steps, artifacts, database) is shared and runs
/// in `JobExecutor`; a driver takes the checkout from there.
///
/// A driver's `deploy` is blue/green: it starts the new version next to the serving one, checks
/// its health, then calls `context.publish` (the router moves to the new version, or the record's
/// URL switches) and only then retires the old one. A failure before `publish` leaves the old
/// version serving and the record's URL unchanged.
protocol DeployDriver: AnyObject, Sendable {
    /// Deploys the built version of `context`. On success the environment's record is saved as
    /// `healthy` with its URL, and `report` holds the health attempts and the URL.
    func deploy(_ context: DeployContext, record: inout EnvironmentRecord, report: inout DeploymentReport) throws

    /// Removes what this driver runs for the environment (idempotent; nothing when it runs
    /// nothing). `spec` is the deployed spec, nil when it cannot be read.
    func teardown(_ context: TeardownContext, report: inout DeploymentReport, redactor: inout Redactor) throws

    /// Another driver serves `environment` now: stops this driver's version of it, if any.
    func replaced(_ environment: String)

    /// At the bot's start: adopts what this driver left running for `records` (environments not
    /// torn down) and removes what belongs to none of them.
    func adopt(_ records: [EnvironmentRecord])

    /// `HOST:PORT` of what serves `record` now (for the router's sync at start), nil when this
    /// driver does not serve it.
    func upstreams(_ record: EnvironmentRecord) -> [String]?

    /// The bot stops: stop watching, leave everything running for the next start.
    func detach()

    /// A full shutdown: stop what runs.
    func stopAll()
}

/// What a driver gets to deploy one built version.
struct DeployContext {
    var job: JobRecord
    var spec: EnvironmentSpec
    var sha: String
    /// The checkout's slot (`a` or `b`) and its path.
    var slot: String
    var checkout: String
    /// The variables (granted secrets and database variables included) the app runs with.
    var environment: ChildEnvironment
    var space: EnvironmentWorkspace
    var sandbox: Sandbox?
    var run: JobExecutor.Run

    var name: String { job.environment }
    var cancellation: CancellationToken { run.cancellation }
}

/// What a driver gets to tear an environment down.
struct TeardownContext {
    var job: JobRecord
    var record: EnvironmentRecord
    var spec: EnvironmentSpec?
    var space: EnvironmentWorkspace
    var run: JobExecutor.Run

    var name: String { job.environment }
}
