import Foundation

/// `Tests/GitTests/Fixtures/git-http-server.py` as a child process: smart HTTP with basic auth
/// in front of `git http-backend`, serving the bare repositories under `root` on 127.0.0.1 and a
/// port the OS chose. Pushes go through `git receive-pack`, which updates a ref only if it still
/// has the old value the pusher saw (as GitHub does). The one copy of this helper: the Git,
/// Evidence and Server tests all use it. Call `stop()` in a `defer`. Needs `python3` and `git`
/// (fails with what to install when missing).
public final class SmartHTTPGitServer: @unchecked Sendable {
    /// The password the server accepts: fixed, or read again from a file for every request, so
    /// a test can rotate it (as a renewed token); an empty file accepts nobody.
    public enum Password: Sendable {
        case fixed(String)
        case file(String)
    }

    public let port: Int
    public let logPath: String
    private let process: Process
    private let input: Pipe

    public convenience init(root: String, username: String, passwordFile: String, logPath: String) throws {
        try self.init(root: root, username: username, password: .file(passwordFile), logPath: logPath)
    }

    /// `environment` adds to (or overrides) the server's minimal environment.
    public init(root: String, username: String, password: Password, environment: [String: String] = [:], logPath: String) throws {
        for (tool, package) in [("python3", "python3"), ("git", "git")] {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/\(tool)") else {
                throw Failure(description: "/usr/bin/\(tool) is missing: install the Debian package `\(package)`")
            }
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../GitTests/Fixtures/git-http-server.py").standardized.path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, root, username]
        var variables = [
            "PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "GIT_CONFIG_NOSYSTEM": "1", "LANG": "C",
        ].merging(environment) { _, given in given }
        switch password {
        case .fixed(let value): variables["GIT_HTTP_TEST_PASSWORD"] = value
        case .file(let path): variables["GIT_HTTP_TEST_PASSWORD_FILE"] = path
        }
        process.environment = variables
        input = Pipe()
        let output = Pipe()
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        self.logPath = logPath
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()
        // The first stdout line is the port (blocking reads: they return when the server prints
        // or dies).
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(text) else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            throw Failure(description: "git-http-server.py did not report a port (got '\(text)'): \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
        }
        self.port = port
    }

    public func url(_ repository: String) -> String { "http://127.0.0.1:\(port)/\(repository)" }

    /// One "METHOD PATH STATUS" line per request so far.
    public var requests: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }
}
