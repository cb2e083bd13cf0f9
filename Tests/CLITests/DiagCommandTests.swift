import FakeGitHub
import Foundation
import Store
import Testing
import TestSupport

@Suite("slipway diag as a process")
struct DiagCommandTests {
    static let token = "ghp_diag_cli_token_0123456789abcdef"
    static let secret = "diag-cli-webhook-secret-51c2"

    /// A work dir with a store, a local repository, a fake forge that grants write, and the
    /// files serve would be given.
    struct Setup {
        let directory: TemporaryDirectory
        let fake: FakeGitHub
        let remote: GitFixture
        let arguments: [String]

        init(token: String = DiagCommandTests.token) throws {
            directory = try TemporaryDirectory(prefix: "slipway-diag-cli")
            fake = FakeGitHub(token: DiagCommandTests.token, login: "slipway-bot")
            fake.setPermission("slipway-bot", "write")
            fake.addHookDelivery(hookID: 12, guid: "ok-1", statusCode: 200)
            try fake.start()
            remote = try GitFixture()
            try remote.commit("main", GitFixture.baseFiles, message: "base")
            let workDir = directory.child("work")
            try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
            _ = try SQLiteStore(path: workDir + "/state.db")
            let secretFile = try directory.write("secret", DiagCommandTests.secret + "\n")
            let tokenFile = try directory.write("token", token + "\n")
            arguments = ["diag", "--work-dir", workDir, "--repo", remote.path, "--webhook-secret-file", secretFile,
                         "--forge-url", fake.baseURL, "--forge-repo", "octo-org/shop", "--forge-token-file", tokenFile]
        }
    }

    static func diag(_ arguments: [String]) throws -> CommandResult {
        try Command.run(try Binaries.slipway(), arguments, environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
    }

    @Test("exit code 0 when every check passes, 1 with a warning, 2 with a failure")
    func exitCodes() throws {
        let setup = try Setup()
        defer { setup.fake.stop() }
        let passing = try Self.diag(setup.arguments + ["--forge-hook-id", "12"])
        #expect(passing.status == 0, "\(passing)")
        #expect(passing.stdout.contains("pass: 0 failed, 0 warned"))

        let warning = try Self.diag(setup.arguments)
        #expect(warning.status == 1, "\(warning)")
        #expect(warning.stdout.hasPrefix("WARN  forge.webhook"), "warnings come before passes:\n\(warning.stdout)")

        setup.fake.setPermission("slipway-bot", "read")
        let failing = try Self.diag(setup.arguments + ["--forge-hook-id", "12"])
        #expect(failing.status == 2, "\(failing)")
        #expect(failing.stdout.hasPrefix("FAIL"), "failures come first:\n\(failing.stdout)")
        #expect(failing.stdout.contains("forge.permission"))
        #expect(failing.stdout.contains("fix: "))
    }

    @Test("--json prints the report: status, generated_at, version, duration_ms and the checks; no secret in it")
    func jsonShape() throws {
        let badToken = "ghp_diag_cli_revoked_token_99887766"
        let setup = try Setup(token: badToken)
        defer { setup.fake.stop() }
        let result = try Self.diag(setup.arguments + ["--json"])
        #expect(result.status == 2, "\(result)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        #expect(Set(object.keys) == ["status", "generated_at", "version", "duration_ms", "checks"])
        #expect(object["status"] as? String == "fail")
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(checks.first?["name"] as? String == "forge.credentials")
        for check in checks {
            #expect(Set(check.keys) == ["name", "area", "status", "reason", "fix", "duration_ms"])
            #expect(["pass", "warn", "fail"].contains(check["status"] as? String ?? ""))
        }
        #expect(!result.stdout.contains(badToken))
        #expect(!result.stdout.contains(DiagCommandTests.secret))
        #expect(!result.stderr.contains(badToken))
    }

    @Test("without a store diag fails store.open and says how to make one, without creating it")
    func missingStore() throws {
        let directory = try TemporaryDirectory(prefix: "slipway-diag-empty")
        let result = try Self.diag(["diag", "--work-dir", directory.child("work"), "--isolation", "none"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("store.open"))
        #expect(result.stdout.contains("config.webhook-secret"))
        #expect(!FileManager.default.fileExists(atPath: directory.child("work/state.db")))
    }

    @Test("diag --help documents --json and the serve options, --forge-hook-id included")
    func help() throws {
        let result = try Self.diag(["diag", "--help"])
        #expect(result.status == 0)
        for option in ["--json", "--forge-hook-id", "--work-dir", "--forge-token-file"] {
            #expect(result.stdout.contains(option), "diag --help does not document \(option)")
        }
    }
}
