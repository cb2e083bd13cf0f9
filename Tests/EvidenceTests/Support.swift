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

/// The shared smart-HTTP git server (TestSupport) with this suite's fixed credentials.
struct SmartHTTPGit {
    static let username = "bot", password = "pw-0123456789"
    let server: SmartHTTPGitServer

    init(root: String, log: String) throws {
        server = try SmartHTTPGitServer(root: root, username: Self.username, password: .fixed(Self.password),
                                        environment: GitCLI.environment(home: NSTemporaryDirectory()), logPath: log)
    }

    var port: Int { server.port }

    func url(_ name: String, withCredentials: Bool = false) -> String {
        withCredentials ? "http://\(Self.username):\(Self.password)@127.0.0.1:\(port)/\(name)" : server.url(name)
    }

    func stop() { server.stop() }
}

