import Foundation
@testable import Runner
import SlipwayCore
import Testing
import TestSupport

@Suite("Runner: the command driver")
struct CommandDriverTests {
    static let spec = """
    kind: preview
    name: "pr-{{pr.number}}"
    match:
      pull_request: { base: main }
    build:
      - run: "echo building"
    deploy:
      driver: command
      run: "sh deploy.sh"
      teardown: "sh teardown.sh"
      url: "https://{{env.name}}.preview.example/{{sha}}"
    secrets:
      API_TOKEN: api-token
    neutralize: { mail: off, crons: off }
    """

    @Test("deploy.run and deploy.teardown run with the spec's environment and the URL is rendered")
    func commandDriver() throws {
        let marker = try TemporaryDirectory(prefix: "slipway-remote")
        let harness = try RunnerHarness(files: [
            "environments/preview.yaml": Self.spec,
            "deploy.sh": "echo \"deploying $SLIPWAY_ENV pr $SLIPWAY_PR with $API_TOKEN\"; echo \"$SLIPWAY_SHA\" > \(marker.path)/deployed\n",
            "teardown.sh": "echo tearing down; rm \(marker.path)/deployed\n",
        ])
        defer { harness.close() }
        // The "remote" is a directory of the host, which a sandboxed script cannot see by design
        // (IsolationTests cover the sandbox): this test runs unconfined.
        harness.startService { $0.isolation = .none }
        let sha = try harness.git.head("main")
        let resolved = try harness.repository.withRepository { try Reconcile.DesiredStateReader().specs($0, at: sha) }
        guard case .specs(let specs) = resolved else { Issue.record("invalid specs"); return }
        let action = PlannedAction(kind: .create, environment: "pr-5", environmentKind: .preview, pullRequest: 5, sha: sha,
                                   contentID: specs[0].contentID, specFile: "environments/preview.yaml", reason: "test")
        let job = try #require(try harness.store.enqueue([action], trigger: "test", now: Date()).first)
        let done = try harness.finished(job.id)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        #expect(try String(contentsOfFile: marker.child("deployed"), encoding: .utf8) == sha + "\n")
        let env = try harness.environment("pr-5")
        #expect(env.url == "https://pr-5.preview.example/\(sha)")
        #expect(env.status == .healthy)
        #expect(env.pid == nil)
        let log = try String(contentsOfFile: harness.work.child("envs/pr-5/logs/\(job.id)-deploy.log"), encoding: .utf8)
        #expect(log.contains("deploying pr-5 pr 5 with ***"))

        let teardown = try harness.enqueueTeardown("pr-5")
        #expect(try harness.finished(teardown.id).status == .succeeded)
        #expect(!FileManager.default.fileExists(atPath: marker.child("deployed")))
        #expect(try harness.environment("pr-5").status == .tornDown)
        #expect(try harness.observer.report(teardown.id).steps.map(\.name) == ["teardown"])
    }
}

import Reconcile
