import CLITestSupport
import Foundation
import SlipwayCLI
import Testing
import TestSupport

@Suite("slipway validate and slipway plan")
struct ValidateAndPlanTests {
    @Test("validate passes the project's own examples and exits 0")
    func examplesPass() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
        let result = runCLI(["validate", root])
        #expect(result.code == 0, "\(result.out)\(result.err)")
        #expect(result.out.contains("ok: 3 specs valid"))
        // The environments folder itself and a single file work too.
        #expect(runCLI(["validate", root + "/environments"]).code == 0)
        #expect(runCLI(["validate", root + "/environments/preview.yaml"]).code == 0)
        // And the demo's example app.
        let example = runCLI(["validate", root + "/examples/app"])
        #expect(example.code == 0, "\(example.out)\(example.err)")
    }

    @Test("validate with the bot's grants: a missing or disallowed grant is an error at its position, naming no value")
    func validateGrants() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
        let dir = try TemporaryDirectory()
        let config = try dir.write("slipway.yaml", """
        grants:
          stripe-test: { env: STRIPE_TEST_KEY, environments: [preview, staging] }
          stripe-live: { file: /etc/slipway/stripe-live, environments: [production] }
        """)
        let ok = runCLI(["validate", root, "--config", config])
        #expect(ok.code == 0, "\(ok.out)\(ok.err)")
        // Only for production: preview and staging may not use stripe-test.
        let refused = runCLI(["validate", root, "--grant", "stripe-test=env:STRIPE_TEST_KEY@production", "--grant", "stripe-live=env:LIVE@production"])
        #expect(refused.code == 1)
        #expect(refused.out.contains("environments/preview.yaml:24:15: error: secrets.STRIPE_KEY: the grant 'stripe-test' is not allowed for preview environment 'pr-1' (allowed: production)"), "\(refused.out)")
        #expect(refused.out.contains("environments/staging.yaml:"))
        // A grant nobody configured.
        let missing = runCLI(["validate", root, "--grant", "other=env:X@preview"])
        #expect(missing.code == 1)
        #expect(missing.out.contains("names the grant 'stripe-test', which does not exist (configured grants: other)"))
        // A bad --grant is a clear failure.
        let bad = runCLI(["validate", root, "--grant", "nonsense"])
        #expect(bad.code != 0)
        #expect(bad.err.contains("--grant"))
    }

    @Test("validate prints every error as file:line:column and exits 1")
    func errorsExitOne() throws {
        let dir = try TemporaryDirectory()
        try dir.write("environments/preview.yaml", GitFixture.previewSpec.replacingOccurrences(of: "ttl: 72h", with: "tll: 72h"))
        try dir.write("environments/staging.yaml", GitFixture.stagingSpec.replacingOccurrences(of: "neutralize: { mail: catch-all, crons: off }", with: ""))
        try dir.write("environments/qa.yaml", GitFixture.stagingSpec.replacingOccurrences(of: "name: staging", with: "name: qa"))
        let result = runCLI(["validate", dir.path])
        #expect(result.code == 1)
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(dir.path)/environments/preview.yaml:11:1: error: unknown key 'tll' in the spec (did you mean 'ttl'?)"))
        #expect(lines.contains { $0.hasPrefix("\(dir.path)/environments/staging.yaml:1:1: error: a staging environment must be neutralized") })
        #expect(lines.contains { $0.hasPrefix("\(dir.path)/environments/staging.yaml:4:11: error: branch 'main' is also matched by") })
        #expect(result.err.contains("3 errors in 2 files"))
    }

    @Test("validate says what is wrong with the path itself")
    func badPath() throws {
        let missing = runCLI(["validate", "/nonexistent/slipway"])
        #expect(missing.code == 1)
        #expect(missing.err.contains("no such file or directory"))
        let empty = try TemporaryDirectory()
        #expect(runCLI(["validate", empty.path]).err.contains("no environment specs"))
    }

    @Test("plan prints what would be done and why, as a table and as JSON, and changes nothing")
    func plan() throws {
        let git = try GitFixture()
        let main = try git.commit("main", GitFixture.baseFiles)
        try git.branch("feature")
        let head = try git.commit("feature", ["a": "1"])
        try git.setPullHead(12, head)
        let work = try TemporaryDirectory()
        let table = runCLI(["plan", "--repo", git.path, "--work-dir", work.path])
        #expect(table.code == 0, "\(table.err)")
        // PR 12 exists only as a ref (no forge, no webhook): its provenance is unknown, so it is
        // not built, and the plan says why.
        #expect(table.out.contains("none    pr-12"))
        #expect(table.out.contains("known only from its git ref"))
        #expect(table.out.contains("create  staging"))
        #expect(table.out.contains("1 change"))
        let json = runCLI(["plan", "--repo", git.path, "--work-dir", work.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let actions = try #require(object["actions"] as? [[String: Any]])
        #expect(Set(actions.compactMap { $0["sha"] as? String }) == [main])
        #expect(actions.contains { $0["environment"] as? String == "pr-12" && $0["kind"] as? String == "none" })
        #expect(object["changes"] as? Int == 1)
        _ = head
        // Nothing was written: no store, no mirror.
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty)
    }

    @Test("plan without a repository is a usage error")
    func planNeedsRepo() {
        let result = runCLI(["plan", "--work-dir", "/nonexistent"])
        #expect(result.code == 2)
        #expect(result.err.contains("--repo"))
    }
}
