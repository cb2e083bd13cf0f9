/// How the runner confines the processes of an environment (`RunnerConfiguration.isolation`).
public enum IsolationMode: String, Sendable, CaseIterable {
    /// Each environment runs as its own uid in its own mount, PID, IPC and UTS namespaces
    /// (bubblewrap), with resource limits. The default.
    case sandbox
    /// The operator's explicit opt-out: children run as the bot's own user, unconfined.
    case none
}
