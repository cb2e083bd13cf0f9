import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import Synchronization
import Testing

@Suite("Sticky comment and statuses")
struct StickyCommentTests {
    @Test("the comment is created once, then only updated across a sequence of deploys and a client restart")
    func createdOnceThenUpdated() throws {
        let harness = try Harness()
        let fake = harness.fake
        let sha = "0123456789abcdef0123456789abcdef01234567"
        fake.addPullRequest(number: 7, headSHA: sha)
        fake.addComment(issue: 7, body: "Looks good! > quoting:\n> <!-- slipway:pr-comment -->", login: "alice")
        let renderer = try PRCommentRenderer()
        let sticky = StickyComment(client: harness.client)

        let states: [PRCommentState.Environment] = [
            .init(name: "pr-7", state: .building, sha: sha),
            .init(report: sampleReport(outcome: nil), inProgress: .deploying),
            .init(report: sampleReport(outcome: .succeeded), evidenceURL: "https://evidence.example.com/pr-7/1"),
            .init(report: sampleReport(outcome: .failed)),
        ]
        var actions: [StickyComment.Outcome.Action] = []
        var ids: Set<Int> = []
        for environment in states {
            let outcome = try sticky.upsert(pullRequest: 7, body: renderer.render(PRCommentState(pullRequest: 7, environments: [environment])))
            actions.append(outcome.action)
            ids.insert(outcome.commentID)
        }
        #expect(actions == [.created, .updated, .updated, .updated])
        #expect(ids.count == 1)

        // A restarted bot (a new client, nothing remembered) finds the comment by its marker.
        let restarted = try Harness.client(fake, credentials: .token(fakeToken), clock: RecordingClock(), log: MemoryLog())
        let body = try renderer.render(PRCommentState(pullRequest: 7, environments: [.init(report: sampleReport(outcome: .succeeded))]))
        let again = try StickyComment(client: restarted).upsert(pullRequest: 7, body: body)
        #expect(again.action == .updated && ids.contains(again.commentID))
        #expect(try StickyComment(client: restarted).upsert(pullRequest: 7, body: body).action == .unchanged)

        let comments = fake.comments(onIssue: 7)
        #expect(comments.count == 2, "the human's comment and Slipway's")
        #expect(comments.filter { $0.login == "slipway[bot]" }.count == 1)
        #expect(fake.requests.filter { $0.method == "POST" }.count == 1)
        #expect(fake.requests.filter { $0.method == "PATCH" }.count == 4)
        #expect(fake.requests.filter { $0.method == "DELETE" }.isEmpty)
        let spec = try OpenAPISubset()
        for request in fake.requests {
            if case .failure(let failure) = spec.check(request) { Issue.record("\(failure)") }
        }
    }

    @Test("concurrent updaters (replicas with their own clients) leave exactly one comment")
    func concurrentUpdaters() throws {
        let fake = FakeGitHub(workerThreads: 8)
        try fake.start()
        fake.addPullRequest(number: 9, headSHA: String(repeating: "9", count: 40))
        let clients = try (0..<6).map { _ in try Harness.client(fake, credentials: .token(fakeToken), clock: RecordingClock(), log: MemoryLog()) }
        let errors = Mutex<[String]>([])
        let group = DispatchGroup()
        for round in 0..<3 {
            for (index, client) in clients.enumerated() {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    do {
                        try StickyComment(client: client).upsert(pullRequest: 9, body: "<!-- slipway:pr-comment -->\nreplica \(index) round \(round)")
                    } catch {
                        errors.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(group.wait(timeout: .now() + 20) == .success)
        }
        #expect(errors.withLock { $0 } == [])
        let comments = fake.comments(onIssue: 9)
        #expect(comments.count == 1, "\(comments.map(\.id))")
        #expect(comments.first?.body.hasPrefix("<!-- slipway:pr-comment -->\nreplica ") == true)
    }

    @Test("statuses follow a deploy: pending while building, success with the URL, failure with a one-line reason")
    func statusesFollowDeploy() throws {
        let harness = try Harness()
        let sha = "0123456789abcdef0123456789abcdef01234567"
        let steps: [PRCommentState.Environment] = [
            .init(name: "pr-7", state: .building, sha: sha),
            .init(name: "pr-7", state: .deploying, sha: sha),
            .init(report: sampleReport(outcome: .succeeded)),
        ]
        for step in steps { try harness.client.createStatus(step.commitStatus) }
        var failed = PRCommentState.Environment(report: sampleReport(outcome: .failed))
        failed.failure = "compose up exited with status 1\nand a second line " + String(repeating: "x", count: 300)
        try harness.client.createStatus(failed.commitStatus)
        var infrastructure = failed
        infrastructure.failedPhase = "checkout"
        try harness.client.createStatus(infrastructure.commitStatus)

        let statuses = harness.fake.statuses(sha: sha)
        #expect(statuses.map(\.state) == ["pending", "pending", "success", "failure", "error"])
        #expect(statuses.allSatisfy { $0.context == "slipway/pr-7" })
        #expect(statuses[2].targetURL == "https://pr-7.preview.example.com")
        #expect(statuses[3].description == "deploy failed: compose up exited with status 1")
        #expect(statuses.allSatisfy { ($0.description ?? "").count <= 140 && !($0.description ?? "").contains("\n") })
        let spec = try OpenAPISubset()
        for request in harness.fake.requests {
            if case .failure(let failure) = spec.check(request) { Issue.record("\(failure)") }
        }
        let long = CommitStatusRequest(sha: sha, context: "slipway/x", state: .failure, description: String(repeating: "y", count: 500))
        #expect(long.description.count == 140 && long.description.hasSuffix("…"))
    }
}
