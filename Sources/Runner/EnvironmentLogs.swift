import Foundation

/// Where the runner keeps an environment's redacted logs (for `slipway env logs`).
public struct EnvironmentLogs: Sendable {
    private let workspace: EnvironmentWorkspace

    public init(workDir: String, environment: String) {
        workspace = EnvironmentWorkspace(workDir: workDir, environment: environment)
    }

    /// The environment's directory (`<work-dir>/envs/<name>`); report log paths are relative to it.
    public var directory: String { workspace.root }

    /// The app's output (`process` driver).
    public var appLog: String { workspace.appLog }

    /// The step logs of the newest job that left any, in step order.
    public var latestJobLogs: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: workspace.logs)) ?? []
        let jobs = files.compactMap { name in name.split(separator: "-").first.flatMap { Int64($0) } }
        guard let newest = jobs.max() else { return [] }
        return files.filter { $0.hasPrefix("\(newest)-") }
            .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            .map { (workspace.logs as NSString).appendingPathComponent($0) }
    }
}
