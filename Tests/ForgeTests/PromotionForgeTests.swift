import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import Synchronization
import TestSupport
import Testing

/// Outcomes an `onPerformed` observer saw, in order.
final class OutcomeLog: Sendable {
    private let entries = Mutex<[(ForgeUpdatePayload, ForgeUpdateOutcome)]>([])
    func record(_ payload: ForgeUpdatePayload, _ outcome: ForgeUpdateOutcome) { entries.withLock { $0.append((payload, outcome)) } }
    var outcomes: [ForgeUpdateOutcome] { entries.withLock { $0.map(\.1) } }
}

@Suite("Forge operations for promotion and deployments")
struct PromotionForgeTests {
    let sha = String(repeating: "a", count: 40)
    let other = String(repeating: "b", count: 40)
    let fast = ForgeUpdateQueue.Configuration(workers: 2, initialBackoff: 0.01, maxBackoff: 0.05)

    @Test("every promotion and deployment request matches an operation of GitHub's OpenAPI description, and the models read GitHub's field names")
    func requestsMatchOpenAPI() throws {
        let harness = try Harness()
        let fake = harness.fake, client = harness.client
        fake.setBranch("staging", sha: sha)
        fake.setBranch("production", sha: other)

        let created = try client.createPullRequest(title: "Promote staging (aaaaaaa) to production", head: "staging", base: "production", body: "v1")
        #expect(created.head.sha == sha && created.base.ref == "production" && created.body == "v1" && created.state == "open")
        let listed = try client.listOpenPullRequests(headBranch: "staging", base: "production")
        #expect(listed.map(\.number) == [created.number])
        #expect(try client.listOpenPullRequests(headBranch: "main", base: "production").isEmpty)
        let updated = try client.updatePullRequest(created.number, title: "Promote again", body: "v2")
        #expect(updated.title == "Promote again" && updated.body == "v2")

        fake.addReview(pr: created.number, login: "carol", state: "APPROVED", commitID: sha)
        fake.addReview(pr: created.number, login: "dave", state: "CHANGES_REQUESTED", commitID: other)
        let reviews = try client.reviews(ofPullRequest: created.number)
        #expect(reviews.map(\.user?.login) == ["carol", "dave"])
        #expect(reviews.map(\.state) == [.approved, .changesRequested])
        #expect(reviews.map(\.commitID) == [sha, other])
        #expect(reviews.allSatisfy { $0.submittedAt != nil })

        #expect(try client.addLabels(["promote"], toIssue: created.number).map(\.name) == ["promote"])
        #expect(fake.labeledBy(issue: created.number, label: "promote") == "slipway[bot]")
        #expect(try client.labels(onIssue: created.number).map(\.name) == ["promote"])
        #expect(try client.removeLabel("promote", fromIssue: created.number))
        #expect(fake.labeledBy(issue: created.number, label: "promote") == nil)

        _ = try client.createStatus(CommitStatusRequest(sha: sha, context: "ci/build", state: .success, description: "ok"))
        fake.setCheckRun(sha: sha, name: "tests", status: "completed", conclusion: "success")
        let combined = try client.combinedStatus(ref: sha)
        #expect(combined.state == "success" && combined.sha == sha && combined.statuses.map(\.context) == ["ci/build"])
        #expect(try client.checkRuns(ref: sha).map(\.name) == ["tests"])

        let deployment = try client.createDeployment(DeploymentRequest(sha: sha, environment: "production", production: true,
                                                                       description: "Promoted by carol", payload: ["evidence": "ev-1"]))
        #expect(deployment.sha == sha && deployment.environment == "production" && deployment.productionEnvironment == true)
        #expect(try client.deployments(sha: sha, environment: "production").map(\.id) == [deployment.id])
        let status = try client.createDeploymentStatus(deploymentID: deployment.id, DeploymentStatusRequest(
            state: .success, environmentURL: "https://shop.example.com", logURL: "https://ci.example.com/1", description: "Healthy"))
        #expect(status.state == "success" && status.environmentURL == "https://shop.example.com")
        #expect(try client.deploymentStatuses(deploymentID: deployment.id).map(\.state) == ["success"])
        let comment = try client.createCommitComment(sha: other, body: "This push to production was not deployed: it was not approved.")
        #expect(comment.commitID == other)

        let recorded = try #require(fake.deployments(environment: "production").first)
        #expect(recorded.autoMerge == false, "GitHub must never merge anything for Slipway")
        #expect(recorded.requiredContexts == [], "Slipway checks the statuses itself")
        #expect(recorded.payload == ["evidence": "ev-1"])

        let spec = try OpenAPISubset()
        var seen: Set<String> = []
        for request in fake.requests {
            switch spec.check(request) {
            case .success(let id): seen.insert(id)
            case .failure(let failure): Issue.record("\(failure)")
            }
            #expect(request.headers["Authorization"] == "Bearer \(fakeToken)")
        }
        #expect(seen == ["pulls/create", "pulls/list", "pulls/update", "pulls/list-reviews", "issues/add-labels",
                         "issues/list-labels-on-issue", "issues/remove-label", "repos/create-commit-status",
                         "repos/get-combined-status-for-ref", "checks/list-for-ref", "repos/create-deployment",
                         "repos/list-deployments", "repos/create-deployment-status", "repos/list-deployment-statuses",
                         "repos/create-commit-comment"])
        let pullsQuery = try #require(fake.requests.first { $0.method == "GET" && $0.path.hasSuffix("/pulls") })
        #expect(pullsQuery.queryValue("head") == "octo-org:staging" && pullsQuery.queryValue("base") == "production")

        // The fields the models read are GitHub's names.
        let read: [String: Set<String>] = [
            "pull-request-simple": ["number", "state", "title", "body", "draft", "user", "head", "base", "labels", "html_url", "updated_at"],
            "pull-request-review": ["id", "user", "state", "commit_id", "submitted_at", "body"],
            "combined-commit-status": ["state", "sha", "total_count", "statuses"],
            "simple-commit-status": ["state", "context", "description", "target_url"],
            "check-run": ["id", "name", "status", "conclusion", "head_sha", "html_url"],
            "deployment": ["id", "sha", "ref", "environment", "task", "description", "transient_environment", "production_environment",
                           "creator", "created_at"],
            "deployment-status": ["id", "state", "description", "environment", "environment_url", "log_url", "created_at"],
            "commit-comment": ["id", "body", "commit_id", "user", "html_url"],
            "label": ["name"],
        ]
        for (schema, fields) in read {
            let declared = try #require(spec.schemaFields[schema], "\(schema) is in the subset")
            #expect(fields.subtracting(declared).isEmpty, "\(schema) lacks \(fields.subtracting(declared).sorted())")
        }
        #expect(spec.operation("checks/list-for-ref")?.responseFields == ["total_count", "check_runs"])
        let statusStates = try #require(spec.operation("repos/create-deployment-status")?.bodyEnums["state"])
        #expect(Set(DeploymentStatusRequest.State.allCases.map(\.rawValue)).isSubset(of: Set(statusStates)))
    }

    @Test("a deployment update finds or creates one deployment, across retries, a forge outage and a replay")
    func deploymentIdempotent() throws {
        let harness = try Harness(retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01))
        let fake = harness.fake
        let log = OutcomeLog()
        let performer = GitHubUpdatePerformer(client: harness.client, onPerformed: log.record)
        let queue = try ForgeUpdateQueue(performer: performer, configuration: fast)
        queue.start()
        defer { queue.stop() }
        func update(_ state: DeploymentUpdate.State, _ description: String) -> ForgeUpdatePayload {
            .deployment(DeploymentUpdate(environment: "staging", sha: sha, state: state, environmentURL: "https://staging.example.com",
                                         logURL: "https://slipway.example.com/evidence/1", description: description))
        }

        // An outage: every deployment request fails with 502 for a while (in-client retries
        // included), while the deploy moves on from in_progress to success.
        fake.failNext(Array(repeating: .serverError(status: 502), count: 7), pathContains: "/deployments")
        queue.submit(update(.inProgress, "Deploying"))
        queue.submit(update(.success, "Healthy"))
        try Eventually.wait(for: "the deployment to reach success", timeout: 20) { queue.isIdle }
        #expect(queue.attempts >= 4, "the outage made the queue retry")
        let deployments = fake.deployments(environment: "staging")
        #expect(deployments.count == 1)
        let deployment = try #require(deployments.first)
        #expect(deployment.sha == sha && deployment.ref == sha && !deployment.productionEnvironment && !deployment.transientEnvironment)
        var states = fake.deploymentStatuses(id: deployment.id).map(\.state)
        #expect(states.last == "success", "the newest state is sent last")
        #expect(states == ["success"] || states == ["in_progress", "success"], "\(states)")
        #expect(fake.deploymentStatuses(id: deployment.id).last?.environmentURL == "https://staging.example.com")

        // Once the forge is back, later states go to the same deployment.
        fake.failNext([.serverError(status: 502), .serverError(status: 502), .serverError(status: 502)], pathContains: "/deployments")
        queue.submit(update(.failure, "Health check failed"))
        try Eventually.wait(for: "the failure status", timeout: 20) { queue.isIdle }
        queue.submit(update(.inactive, "Torn down"))
        try Eventually.wait(for: "the inactive status", timeout: 20) { queue.isIdle }
        states = fake.deploymentStatuses(id: deployment.id).map(\.state)
        #expect(Array(states.suffix(2)) == ["failure", "inactive"])
        #expect(fake.deployments(environment: "staging").count == 1)
        #expect(fake.deploymentStatuses(id: deployment.id).last?.environmentURL == nil, "no URL once torn down")

        // A replay (a crash after the forge applied it, before it was marked applied) adds a
        // status to the same deployment, never a second deployment.
        let replayed = try performer.apply(update(.inactive, "Torn down"))
        guard case .deployment(let id, let created, _) = replayed else { Issue.record("unexpected outcome \(replayed)"); return }
        #expect(id == deployment.id && !created)
        #expect(fake.deployments().count == 1)
        #expect(log.outcomes.contains { if case .deployment(deployment.id, true, _) = $0 { true } else { false } }, "created once")
        #expect(log.outcomes.filter { if case .deployment(_, true, _) = $0 { true } else { false } }.count == 1)

        // Another commit is another deployment of the environment; its success marks the first
        // one inactive (GitHub's auto_inactive).
        queue.submit(.deployment(DeploymentUpdate(environment: "staging", sha: other, state: .success, environmentURL: "https://staging.example.com")))
        try Eventually.wait(for: "the second deployment", timeout: 20) { queue.isIdle }
        #expect(fake.deployments(environment: "staging").map(\.sha) == [sha, other])
    }

    @Test("the deployment flags reach GitHub: transient for previews, production for production")
    func deploymentFlags() throws {
        let harness = try Harness()
        let performer = GitHubUpdatePerformer(client: harness.client)
        _ = try performer.apply(.deployment(DeploymentUpdate(environment: "pr-7", sha: sha, state: .inProgress, transient: true)))
        _ = try performer.apply(.deployment(DeploymentUpdate(environment: "production", sha: sha, state: .inProgress, production: true,
                                                             payload: ["promoted_from": "ev-9"])))
        let preview = try #require(harness.fake.deployments(environment: "pr-7").first)
        #expect(preview.transientEnvironment && !preview.productionEnvironment)
        let production = try #require(harness.fake.deployments(environment: "production").first)
        #expect(production.productionEnvironment && !production.transientEnvironment && production.payload == ["promoted_from": "ev-9"])
        // A newer success of a (non-transient, non-production) environment makes GitHub mark the
        // earlier successful deployment inactive.
        _ = try performer.apply(.deployment(DeploymentUpdate(environment: "staging", sha: sha, state: .success)))
        _ = try performer.apply(.deployment(DeploymentUpdate(environment: "staging", sha: other, state: .success)))
        let staging = harness.fake.deployments(environment: "staging")
        #expect(staging.count == 2)
        #expect(harness.fake.deploymentStatuses(id: staging[0].id).map(\.state) == ["success", "inactive"])
        #expect(harness.fake.deploymentStatuses(id: staging[0].id).last?.automatic == true)
        #expect(harness.fake.deploymentStatuses(id: staging[1].id).map(\.state) == ["success"])
        let spec = try OpenAPISubset()
        for request in harness.fake.requests {
            if case .failure(let failure) = spec.check(request) { Issue.record("\(failure)") }
        }
    }

    @Test("the pull request update creates the pull request once, then updates it in place, and reports its number")
    func pullRequestCreatedOnceThenUpdated() throws {
        let harness = try Harness()
        let fake = harness.fake
        fake.setBranch("staging", sha: sha)
        fake.setBranch("production", sha: other)
        let log = OutcomeLog()
        let queue = try ForgeUpdateQueue(performer: GitHubUpdatePerformer(client: harness.client, onPerformed: log.record), configuration: fast)
        queue.start()
        defer { queue.stop() }
        func promotion(_ title: String, _ body: String) -> ForgeUpdatePayload {
            .pullRequest(PullRequestUpdate(head: "staging", base: "production", title: title, body: body))
        }

        fake.failNext([.serverError(status: 502)], pathContains: "/pulls")
        queue.submit(promotion("Promote staging (aaaaaaa) to production", "body 1"))
        try Eventually.wait(for: "the pull request", timeout: 20) { queue.isIdle }
        let number = try #require(fake.pullRequests.first?.number)
        #expect(log.outcomes == [.pullRequest(number: number, action: .created)])

        queue.submit(promotion("Promote staging (aaaaaaa) to production", "body 2"))
        try Eventually.wait(for: "the update", timeout: 20) { queue.isIdle }
        queue.submit(promotion("Promote staging (aaaaaaa) to production", "body 2"))
        try Eventually.wait(for: "the unchanged update", timeout: 20) { queue.isIdle }
        #expect(log.outcomes == [.pullRequest(number: number, action: .created), .pullRequest(number: number, action: .updated),
                                 .pullRequest(number: number, action: .unchanged)])
        #expect(fake.pullRequests.count == 1)
        #expect(fake.pullRequest(number)?.body == "body 2")
        #expect(fake.requests.filter { $0.method == "POST" }.count == 1)
        #expect(fake.requests.filter { $0.method == "PATCH" }.count == 1)
        let patch = try #require(fake.requests.first { $0.method == "PATCH" }?.jsonBody)
        #expect(patch.keys.sorted() == ["body"], "only what differs is sent")

        // The head moves: the same pull request shows the new head; the base reaching it merges it.
        let newer = String(repeating: "c", count: 40)
        fake.setBranch("staging", sha: newer)
        #expect(fake.pullRequest(number)?.headSHA == newer)
        fake.setBranch("production", sha: newer)
        #expect(fake.pullRequest(number)?.state == "closed" && fake.pullRequest(number)?.mergedAt != nil)

        // After the merge the next promotion opens a new pull request.
        queue.submit(promotion("Promote staging (ccccccc) to production", "body 3"))
        try Eventually.wait(for: "the next pull request", timeout: 20) { queue.isIdle }
        #expect(fake.pullRequests.map(\.state) == ["closed", "open"])
        #expect(log.outcomes.last == .pullRequest(number: number + 1, action: .created))
        let spec = try OpenAPISubset()
        for request in fake.requests {
            if case .failure(let failure) = spec.check(request) { Issue.record("\(failure)") }
        }
    }

    @Test("a pull request a person opened for the same branches is adopted, not duplicated")
    func pullRequestAdopted() throws {
        let harness = try Harness()
        harness.fake.setBranch("staging", sha: sha)
        harness.fake.setBranch("production", sha: other)
        harness.fake.addPullRequest(number: 12, title: "ship it", headSHA: sha, headRef: "staging", baseRef: "production", author: "carol")
        // A fork's branch of the same name is someone else's.
        harness.fake.addPullRequest(number: 13, title: "fork", headSHA: other, headRef: "staging", baseRef: "production", author: "mallory",
                                    headRepository: "mallory/shop")
        let outcome = try GitHubUpdatePerformer(client: harness.client).apply(
            .pullRequest(PullRequestUpdate(head: "staging", base: "production", title: "Promote staging", body: "gates")))
        #expect(outcome == .pullRequest(number: 12, action: .updated))
        #expect(harness.fake.pullRequest(12)?.title == "Promote staging")
        #expect(harness.fake.pullRequest(13)?.title == "fork")
    }

    @Test("the fake refuses a pull request for an unknown branch and a second one for the same branches, as GitHub does")
    func pullRequestValidation() throws {
        let harness = try Harness()
        harness.fake.setBranch("staging", sha: sha)
        let unknownBase = try #require(throws: ForgeError.self) {
            try harness.client.createPullRequest(title: "t", head: "staging", base: "production", body: "")
        }
        #expect(unknownBase.kind == .unexpectedStatus(422))
        harness.fake.setBranch("production", sha: other)
        _ = try harness.client.createPullRequest(title: "t", head: "staging", base: "production", body: "")
        let duplicate = try #require(throws: ForgeError.self) {
            try harness.client.createPullRequest(title: "t", head: "staging", base: "production", body: "")
        }
        #expect(duplicate.kind == .unexpectedStatus(422))
        #expect(duplicate.description.contains("create a pull request"))
        // Through the performer, a refusal gets a second look (another replica may have opened it
        // meanwhile), then is reported.
        harness.fake.clearRequests()
        let refused = try #require(throws: ForgeError.self) {
            try GitHubUpdatePerformer(client: harness.client).apply(.pullRequest(PullRequestUpdate(head: "staging", base: "nope", title: "t", body: "")))
        }
        #expect(refused.kind == .unexpectedStatus(422))
        #expect(harness.fake.requests.map(\.method) == ["GET", "POST", "GET", "POST"])
        // PR numbers are shared with issues.
        harness.fake.addComment(issue: 40, body: "an issue")
        #expect(try harness.client.createPullRequest(title: "t", head: "production", base: "staging", body: "").number == 41)
    }

    @Test("removing a label that is not there succeeds, through the client and the queue")
    func removeMissingLabel() throws {
        let harness = try Harness()
        harness.fake.addPullRequest(number: 7, headSHA: sha, labels: ["preview"])
        harness.fake.addLabel(issue: 7, "promote", by: "mallory")
        #expect(harness.fake.labeledBy(issue: 7, label: "promote") == "mallory")
        let performer = GitHubUpdatePerformer(client: harness.client)
        #expect(try performer.apply(.removeLabel(pullRequest: 7, label: "promote")) == .labelRemoved(wasPresent: true))
        #expect(try performer.apply(.removeLabel(pullRequest: 7, label: "promote")) == .labelRemoved(wasPresent: false))
        #expect(harness.fake.labels(onIssue: 7) == ["preview"])

        let queue = try ForgeUpdateQueue(performer: performer, configuration: fast)
        queue.start()
        defer { queue.stop() }
        queue.submit(.removeLabel(pullRequest: 7, label: "never-there"))
        try Eventually.wait(for: "the removal") { queue.isIdle }
        #expect(queue.appliedVersion(.label(pullRequest: 7, name: "never-there")) != nil)
        #expect(queue.pendingUpdates.isEmpty)
    }

    @Test("a commit comment is posted once per distinct body")
    func commitCommentOncePerBody() throws {
        let harness = try Harness()
        let queue = try ForgeUpdateQueue(performer: GitHubUpdatePerformer(client: harness.client), configuration: fast)
        queue.start()
        defer { queue.stop() }
        let body = "Not deployed: this push to production was not approved."
        #expect(queue.submit(.commitComment(sha: sha, body: body), version: ForgeUpdatePayload.onceVersion) == .queued(version: 1))
        try Eventually.wait(for: "the comment") { queue.isIdle }
        #expect(queue.submit(.commitComment(sha: sha, body: body), version: ForgeUpdatePayload.onceVersion) == .stale(current: 1))
        queue.submit(.commitComment(sha: sha, body: "Another reason"), version: ForgeUpdatePayload.onceVersion)
        try Eventually.wait(for: "the second comment") { queue.isIdle }
        #expect(harness.fake.commitComments(sha: sha).map(\.body) == [body, "Another reason"])
    }

    @Test("checksGreen: green with nothing or all passing, pending while anything runs, failing names what failed")
    func checksVerdicts() throws {
        let harness = try Harness(pageSize: 30)
        let fake = harness.fake, client = harness.client
        func status(_ context: String, _ state: CommitStatusRequest.State) throws {
            _ = try client.createStatus(CommitStatusRequest(sha: sha, context: context, state: state, description: context))
        }
        #expect(try client.combinedStatus(ref: sha).state == "pending", "GitHub says pending for a ref without statuses")
        #expect(try client.checksGreen(ref: sha) == .green, "no statuses and no check runs is green")

        try status("ci/build", .pending)
        #expect(try client.checksGreen(ref: sha) == .pending(["ci/build"]))
        try status("ci/build", .success)
        fake.setCheckRun(sha: sha, name: "lint", status: "in_progress")
        #expect(try client.checksGreen(ref: sha) == .pending(["lint"]))
        fake.setCheckRun(sha: sha, name: "lint", status: "completed", conclusion: "neutral")
        fake.setCheckRun(sha: sha, name: "docs", status: "completed", conclusion: "skipped")
        #expect(try client.checksGreen(ref: sha) == .green)
        fake.setCheckRun(sha: sha, name: "tests", status: "completed", conclusion: "failure")
        try status("security", .error)
        fake.setCheckRun(sha: sha, name: "e2e", status: "queued")
        let failing = try client.checksGreen(ref: sha)
        #expect(failing == .failing(["security", "tests"]), "failing wins over pending")
        #expect(failing.description == "failing: security, tests")
        // A re-run that passes replaces the failed run; a later success replaces the error.
        fake.setCheckRun(sha: sha, name: "tests", status: "completed", conclusion: "success")
        fake.setCheckRun(sha: sha, name: "e2e", status: "completed", conclusion: "success")
        try status("security", .success)
        #expect(try client.checksGreen(ref: sha) == .green)
        // A branch name resolves to its commit.
        fake.setBranch("staging", sha: sha)
        #expect(try client.checksGreen(ref: "staging") == .green)

        // Many statuses and runs come over several pages.
        for index in 0..<40 {
            try status("ctx-\(index)", .success)
            fake.setCheckRun(sha: other, name: "run-\(index)", status: "completed", conclusion: index == 37 ? "timed_out" : "success")
        }
        #expect(try client.combinedStatus(ref: sha).statuses.count == 42)
        #expect(try client.checkRuns(ref: other).count == 40)
        #expect(try client.checksGreen(ref: other) == .failing(["run-37"]))
        #expect(fake.requests.contains { $0.queryValue("page") == "2" && $0.path.hasSuffix("/check-runs") })
        #expect(fake.requests.contains { $0.queryValue("page") == "2" && $0.path.hasSuffix("/status") })
        let spec = try OpenAPISubset()
        for request in fake.requests {
            if case .failure(let failure) = spec.check(request) { Issue.record("\(failure)") }
        }
    }

    @Test("the verdict is a pure function of statuses and check runs")
    func verdictIsPure() {
        let passing = GitHubCheckRun(id: 1, name: "a", status: "completed", conclusion: "success")
        #expect(ChecksVerdict(statuses: [], checkRuns: []) == .green)
        #expect(ChecksVerdict(statuses: [], checkRuns: [passing]).isGreen)
        #expect(ChecksVerdict(statuses: [], checkRuns: [GitHubCheckRun(id: 2, name: "b", status: "completed", conclusion: "stale")]) == .failing(["b"]))
        #expect(ChecksVerdict(statuses: [], checkRuns: [GitHubCheckRun(id: 3, name: "c", status: "completed", conclusion: nil)]) == .failing(["c"]))
        #expect(ChecksVerdict(statuses: [.init(state: "pending", context: "z"), .init(state: "pending", context: "y")], checkRuns: [])
            == .pending(["y", "z"]))
    }

    @Test("a token without a permission gets an error naming it, for each new operation")
    func permissions() throws {
        let fake = FakeGitHub()
        let weak = "github_pat_11AAAAAAA0weaktokenvalue555555555"
        fake.addToken(weak, denied: [.deployments: 403, .checks: 404, .pullRequests: 403, .contents: 403])
        try fake.start()
        let harness = try Harness(fake: fake, token: weak)
        let cases: [(String, () throws -> Void)] = [
            ("deployments: write", { _ = try harness.client.createDeployment(DeploymentRequest(sha: sha, environment: "staging")) }),
            ("deployments: read", { _ = try harness.client.deployments(sha: sha) }),
            ("checks: read", { _ = try harness.client.checkRuns(ref: sha) }),
            ("pull_requests: write", { _ = try harness.client.createPullRequest(title: "t", head: "a", base: "b", body: "") }),
            ("pull_requests: read", { _ = try harness.client.reviews(ofPullRequest: 1) }),
            ("contents: write", { _ = try harness.client.createCommitComment(sha: sha, body: "x") }),
        ]
        for (permission, call) in cases {
            let error = try #require(throws: ForgeError.self) { try call() }
            #expect(error.isConfigurationError)
            #expect(error.description.contains("\"\(permission)\""), "\(error.description)")
            #expect(!error.description.contains(weak))
        }
        #expect(ForgeOperation.getCombinedStatus.permission == "statuses: read")
        #expect(ForgeOperation.createDeploymentStatus.permission == "deployments: write")
    }

    @Test("the new payloads survive the persistence as JSON, with stable keys")
    func payloadsPersist() throws {
        let payloads: [ForgeUpdatePayload] = [
            .deployment(DeploymentUpdate(environment: "production", sha: sha, state: .success, environmentURL: "https://shop.example.com",
                                         description: "Healthy", production: true, payload: ["evidence": "ev-1"])),
            .pullRequest(PullRequestUpdate(head: "staging", base: "production", title: "Promote", body: "body")),
            .removeLabel(pullRequest: 7, label: "promote"),
            .commitComment(sha: sha, body: "hello"),
        ]
        #expect(payloads.map(\.key.description) == [
            "deployment:production:\(sha)", "pull:staging:production", "label:7:promote",
            "commit-comment:\(sha):\(ForgeUpdatePayload.bodyHash("hello"))",
        ])
        #expect(ForgeUpdatePayload.bodyHash("hello").count == 16)
        #expect(ForgeUpdatePayload.bodyHash("hello") != ForgeUpdatePayload.bodyHash("hello "))
        for (index, payload) in payloads.enumerated() {
            let update = ForgeUpdate(version: UInt64(index + 1), payload: payload, notBefore: Date(timeIntervalSince1970: 1),
                                     pendingSince: Date(timeIntervalSince1970: 1))
            let decoded = try JSONDecoder().decode(ForgeUpdate.self, from: JSONEncoder().encode(update))
            #expect(decoded == update)
            #expect(decoded.key == payload.key)
        }
        let storage = InMemoryForgeUpdatePersistence()
        let queue = try ForgeUpdateQueue(performer: ScriptedPerformer(), persistence: storage, configuration: fast)
        for payload in payloads { queue.submit(payload) }
        let restored = try ForgeUpdateQueue(performer: ScriptedPerformer(), persistence: storage, configuration: fast)
        #expect(Set(restored.pendingUpdates.map(\.key)) == Set(payloads.map(\.key)))
    }
}
