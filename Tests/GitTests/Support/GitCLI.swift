import Foundation
import Testing
import TestSupport

/// The git command line as an independent judge, isolated from the machine's configuration:
/// no system config, HOME in a temporary folder, fixed author and committer.
struct GitCLI {
    let home: TemporaryDirectory

    init() throws {
        home = try TemporaryDirectory(prefix: "git-home")
        let version = try? Command.run("git", ["--version"])
        try #require(version?.status == 0, "the git CLI is missing: install the Debian package `git`")
    }

    var environment: [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": home.path,
            "GIT_CONFIG_NOSYSTEM": "1",
            "LANG": "C",
            "GIT_AUTHOR_NAME": "CLI Author", "GIT_AUTHOR_EMAIL": "cli@example.test",
            "GIT_COMMITTER_NAME": "CLI Committer", "GIT_COMMITTER_EMAIL": "cli@example.test",
        ]
    }

    /// Runs `git <arguments>` and returns stdout; throws with the full output when git fails.
    @discardableResult
    func callAsFunction(_ arguments: String..., in directory: String? = nil, input: String? = nil) throws -> String {
        try run(arguments, in: directory, input: input)
    }

    @discardableResult
    func run(_ arguments: [String], in directory: String? = nil, input: String? = nil) throws -> String {
        let result = try Command.run("git", arguments, cwd: directory, environment: environment, input: input)
        guard result.status == 0 else {
            throw GitCommandFailure(arguments: arguments, result: result)
        }
        return result.stdout
    }

    /// Like `run`, but returns the whole result whatever the exit status.
    func attempt(_ arguments: String..., in directory: String? = nil) throws -> CommandResult {
        try Command.run("git", arguments, cwd: directory, environment: environment)
    }

    /// `git rev-parse <revision>` in `repository`, trimmed.
    func revParse(_ revision: String, in repository: String) throws -> String {
        try run(["rev-parse", "--verify", "--quiet", revision], in: repository).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A git CLI call that did not exit 0, with its full output.
struct GitCommandFailure: Error, CustomStringConvertible {
    let arguments: [String]
    let result: CommandResult
    var description: String { "`git \(arguments.joined(separator: " "))` failed: \(result)" }
}
