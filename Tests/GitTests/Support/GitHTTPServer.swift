import TestSupport

/// The Git wrapper's tests use the shared smart-HTTP server (TestSupport).
typealias GitHTTPServer = SmartHTTPGitServer

extension SmartHTTPGitServer {
    /// Serves the bare repositories under `projectRoot` for `username` / `password`.
    convenience init(projectRoot: String, username: String, password: String, environment: [String: String], logPath: String) throws {
        try self.init(root: projectRoot, username: username, password: .fixed(password), environment: environment, logPath: logPath)
    }
}
