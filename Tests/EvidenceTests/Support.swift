import CommandLineKit
import Foundation
import Git
@testable import SlipwayCLI
import SlipwayCore
import TestSupport

/// The git CLI as an independent judge, with an explicitly built environment.
enum GitCLI {
    static func environment(home: String) -> [String: String] {
        [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "A Person", "GIT_AUTHOR_EMAIL": "person@example.com",
            "GIT_COMMITTER_NAME": "A Person", "GIT_COMMITTER_EMAIL": "person@example.com", "LANG": "C",
        ]
    }

    @discardableResult
    static func run(_ arguments: [String], cwd: String? = nil, home: String = NSTemporaryDirectory()) throws -> String {
        do {
            return try Command.check("/usr/bin/git", arguments, cwd: cwd, environment: environment(home: home)).stdout
        } catch let error as TestSupport.CommandFailure where error.result.status == 127 {
            throw GitMissing()
        }
    }

    static func tryRun(_ arguments: [String], cwd: String? = nil, home: String = NSTemporaryDirectory()) throws -> CommandResult {
        try Command.run("/usr/bin/git", arguments, cwd: cwd, environment: environment(home: home))
    }

    /// `git fsck --strict` on a bare repository; throws with its output when it complains.
    static func fsck(_ gitDir: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else { throw GitMissing() }
        try run(["--git-dir", gitDir, "fsck", "--strict", "--no-progress"])
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init)
    }
}

struct GitMissing: Error, CustomStringConvertible {
    var description: String { "the git CLI is missing: install the Debian package `git`" }
}

/// A finished deploy report with two steps and logs.
func sampleReport(environment: String = "staging", kind: EnvironmentKind = .staging, jobKind: String = "deploy",
                  sha: String = "0123456789abcdef0123456789abcdef01234567", startedAt: Date = Date(timeIntervalSince1970: 1_800_000_000.25),
                  trigger: String = "delivery:1f2e3d", outcome: DeploymentReport.Outcome = .succeeded) -> DeploymentReport {
    var report = DeploymentReport(environment: environment, environmentKind: kind, jobKind: jobKind,
                                  pullRequest: kind == .preview ? 12 : nil, sha: sha, contentID: "c0ffee" + String(repeating: "0", count: 58),
                                  specFile: "environments/\(kind.rawValue).yaml", trigger: trigger, startedAt: startedAt)
    report.steps = [
        .init(name: "build", command: "sh build.sh", exitCode: 0, startedAt: startedAt, durationSeconds: 1.5, log: "build.log"),
        .init(name: "deploy", command: "sh serve.sh", exitCode: outcome == .succeeded ? 0 : 1, startedAt: startedAt.addingTimeInterval(2),
              durationSeconds: 0.25, log: "deploy.log"),
    ]
    report.lockFiles = ["package-lock.json": String(repeating: "a", count: 64)]
    report.artifacts = ["dist/app.tar": String(repeating: "b", count: 64)]
    report.health = [.init(at: startedAt.addingTimeInterval(3), status: 200, latencySeconds: 0.012, error: nil)]
    report.url = "http://127.0.0.1:41000"
    report.outcome = outcome
    report.finishedAt = startedAt.addingTimeInterval(4)
    report.neutralization = ["mail: catch-all", "crons: off"]
    if outcome == .failed {
        report.failedPhase = .deploy
        report.failure = "deploy exited 1"
    }
    return report
}

let sampleLogs: [String: Data] = [
    "build.log": Data("building with token s3cr3t-value-123\nok\n".utf8),
    "deploy.log": Data("serving\n".utf8),
]

/// The smart-HTTP git server of the Git wrapper's tests (`Tests/GitTests/Fixtures/git-http-server.py`,
/// basic auth in front of `git http-backend`) serving the bare repositories under `root`.
/// Pushes over smart HTTP go through `git receive-pack`, which updates a ref only if it still
/// has the old value the pusher saw: the way GitHub behaves.
final class SmartHTTPGit {
    let port: Int
    private let process: Process
    private let input: Pipe
    static let username = "bot", password = "pw-0123456789"

    init(root: String, log: String) throws {
        let python = try? Command.run("python3", ["--version"], environment: ["PATH": "/usr/bin:/bin"])
        guard python?.status == 0 else { throw ToolMissing(description: "python3 is missing: install the Debian package `python3`") }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../GitTests/Fixtures/git-http-server.py").standardized.path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, root, Self.username]
        var environment = GitCLI.environment(home: NSTemporaryDirectory())
        environment["GIT_HTTP_TEST_PASSWORD"] = Self.password
        process.environment = environment
        input = Pipe()
        let output = Pipe()
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            throw ToolMissing(description: "git-http-server.py did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        self.port = port
    }

    func url(_ name: String, withCredentials: Bool = false) -> String {
        withCredentials ? "http://\(Self.username):\(Self.password)@127.0.0.1:\(port)/\(name)" : "http://127.0.0.1:\(port)/\(name)"
    }

    func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

struct ToolMissing: Error, CustomStringConvertible {
    let description: String
}
