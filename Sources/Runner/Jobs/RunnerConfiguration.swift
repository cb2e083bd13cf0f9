public import Docker
public import Foundation
public import SlipwayCore

/// The runner's knobs. The defaults suit `slipway serve`; tests shorten the timings.
public struct RunnerConfiguration: Sendable {
    /// `<work-dir>`: environments live in `<work-dir>/envs/<name>/`.
    public var workDir: String
    /// Parallel jobs (`--workers N`).
    public var workers: Int = 2
    /// This bot instance's stable id; workers lease jobs as `<instance>/runner-<index>`.
    public var instance: String = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    /// How long a claimed job stays ours without renewal (renewed every third of it).
    public var lease: TimeInterval = 60
    /// Idle workers look for jobs this often (and at once after `wake()`).
    public var pollInterval: TimeInterval = 1
    /// A running job checks the store for a cancellation request this often.
    public var cancelPollInterval: TimeInterval = 0.25
    /// SIGTERM → SIGKILL delay when a process group is stopped.
    public var killGrace: TimeInterval = 5
    /// Timeout of the command driver's `deploy.run` and `deploy.teardown`.
    public var commandTimeout: Duration = .minutes(15)
    /// Health check timeout of a process app whose spec has no `health` (any HTTP answer on `/`).
    public var defaultHealthTimeout: Duration = .seconds(30)
    /// A crashed app is restarted at most this many times in a row, then the environment fails.
    public var restartLimit: Int = 5
    /// First restart delay; doubles with each consecutive restart, at most `maxRestartBackoff`.
    public var restartBackoff: TimeInterval = 1
    public var maxRestartBackoff: TimeInterval = 60
    /// A run this long resets the consecutive restart count.
    public var stableAfter: TimeInterval = 60
    /// A job whose runs were interrupted (the bot crashed, or the worker lost its lease) this
    /// many times fails for good with the reason. Runs a graceful stop put back do not count.
    public var maxAttempts: Int = 3
    /// A build, teardown or command-deploy step keeps at most this many bytes of output in its
    /// log: the head and the tail, with the cut marked.
    public var stepOutputLimit: Int = 10 << 20
    /// The app's log (`app.log`) is rotated at each deploy and when it reaches this size (the
    /// previous one is kept as `app.log.1`).
    public var appLogLimit: Int = 10 << 20
    /// Lock files and artifacts larger than this are recorded as too large instead of hashed.
    public var hashLimit: Int = 256 << 20
    /// `stop()` lets running jobs finish this long, then puts them back into the queue.
    public var shutdownDeadline: TimeInterval = 30
    /// The operator's secret grants: the only way a spec's `secrets` get values.
    public var grants = GrantTable()
    /// Where `env:` grants read their values (the bot's own environment, less Slipway's own
    /// `SLIPWAY_*` variables, by default).
    public var secretSource: [String: String] = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLIPWAY_") }
    /// Lines of the failing log kept in the report.
    public var failureTailLines: Int = 20
    /// How build steps and apps are confined (`--isolation sandbox|none`). See docs/isolation.md.
    public var isolation: IsolationMode = .sandbox
    /// Environments run as uids (and gids) `isolationUIDBase ..< isolationUIDBase + isolationUIDCount`,
    /// one each; the range must hold no user of the host.
    public var isolationUIDBase: UInt32 = 200_000
    public var isolationUIDCount: UInt32 = 10_000
    /// The limits of a sandboxed environment whose spec's `limits:` leaves them unset.
    public var defaultLimits = EnvironmentSpec.Limits(processes: 512, openFiles: 4096, fileSize: 4 << 30)
    /// The most a spec's `limits:` may ask for (the spec is code under review).
    public var maximumLimits = EnvironmentSpec.Limits(processes: 4096, openFiles: 65_536, fileSize: 64 << 30)
    /// Files and directories of the host hidden (emptied) inside sandboxes, under the read-only `/etc`.
    public var sandboxHiddenPaths: [String] = Sandbox.defaultHidden
    /// Gives environments whose spec has `database:` their own database (nil: such specs fail).
    public var databases: (any DatabaseProvider)?
    /// Where neutralized environments' mail goes (`mail: catch-all`); nil: a closed port.
    public var mailCatchall: MailCatchall?
    /// Routes environments' public hosts to the version that serves (a Caddy router); nil: an
    /// environment's URL is its loop-back address.
    public var router: (any EnvironmentRouter)?
    /// After the router moved to a new version, requests already sent to the old one get this
    /// long before it is stopped.
    public var routeDrain: TimeInterval = 0.5
    /// The Docker Engine API the container driver deploys on (`--docker-host`); nil: specs with
    /// `deploy.driver: container` fail with what to configure.
    public var docker: DockerHost?
    /// The largest build context (the checkout less `.git`) sent to the daemon.
    public var containerContextLimit: Int = 512 << 20
    /// How long an image build may take.
    public var containerBuildTimeout: Duration = .minutes(30)
    /// Tells whether this host can isolate (tests replace it to exercise the refusal).
    var isolationProbe: @Sendable () -> IsolationCapability = { Isolation.probe() }

    public init(workDir: String) {
        self.workDir = workDir
    }
}
