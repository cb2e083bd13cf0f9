import Foundation
import SlipwayCore
import Testing

/// Builders for planner inputs.
enum P {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let preview = EnvironmentSpec(
        file: "environments/preview.yaml", kind: .preview, name: "pr-{{pr.number}}",
        match: .init(pullRequestBase: "main"), deploy: .init(run: "sh serve.sh"), ttl: .hours(72),
        neutralize: .init(forbid: ["sk_live_*"])
    )
    static let staging = EnvironmentSpec(
        file: "environments/staging.yaml", kind: .staging, name: "staging",
        match: .init(branch: "main"), deploy: .init(run: "sh serve.sh"), neutralize: .init()
    )
    static let production = EnvironmentSpec(
        file: "environments/production.yaml", kind: .production, name: "production",
        match: .init(branch: "production"), deploy: .init(driver: .command, run: "d", teardown: "t"),
        promotion: .init(from: "staging", label: "promote", approvers: ["octocat"])
    )

    static func specs(_ content: String) -> SpecsAtCommit {
        .specs([ResolvedSpec(spec: preview, contentID: "p-\(content)"), ResolvedSpec(spec: staging, contentID: "s-\(content)"),
                ResolvedSpec(spec: production, contentID: "x-\(content)")])
    }

    static func pr(_ number: Int, sha: String, content: String? = nil, base: String = "main", draft: Bool = false,
                   fork: Bool = false, trusted: String? = nil, seen: Date = now,
                   provenance: PullRequestProvenance? = nil) -> Candidate {
        Candidate(source: .pullRequest(PullRequestInfo(number: number, headSHA: sha, baseRef: base, isDraft: draft,
                                                       provenance: provenance ?? (fork ? .fork : .sameRepository), labels: trusted == nil ? [] : ["safe-to-build"],
                                                       labelHeads: trusted.map { ["safe-to-build": $0] } ?? [:], headSeenAt: seen)),
                  sha: sha, specs: specs(content ?? sha))
    }

    static func branch(_ name: String, sha: String, content: String? = nil) -> Candidate {
        Candidate(source: .branch(name: name), sha: sha, specs: specs(content ?? sha))
    }

    static func env(_ name: String, pr: Int? = nil, sha: String, content: String, status: EnvironmentStatus = .healthy,
                    kind: EnvironmentKind = .preview) -> CurrentEnvironment {
        CurrentEnvironment(name: name, kind: kind, pullRequest: pr, sha: sha, contentID: content, status: status)
    }

    static func plan(_ inputs: DesiredInputs, _ current: CurrentState = CurrentState(), now: Date = now) -> [String] {
        Planner.plan(desired: inputs, current: current, now: now).changes.map { "\($0.kind.rawValue) \($0.environment)" }
    }
}

@Suite("Planner")
struct PlannerTests {
    @Test("an open PR into a matching base gets pr-<n> at its head")
    func previewCreated() {
        let plan = Planner.plan(desired: DesiredInputs(pullRequests: [P.pr(7, sha: "aaaaaaa1")]), current: CurrentState(), now: P.now)
        #expect(plan.changes.count == 1)
        let action = plan.changes[0]
        #expect(action.kind == .create)
        #expect(action.environment == "pr-7")
        #expect(action.sha == "aaaaaaa1")
        #expect(action.contentID == "p-aaaaaaa1")
        #expect(action.specFile == "environments/preview.yaml")
        #expect(action.reason.contains("PR #7"))
    }

    @Test("a PR into another base gets nothing, with a reason")
    func otherBase() {
        let plan = Planner.plan(desired: DesiredInputs(pullRequests: [P.pr(8, sha: "b", base: "develop")]), current: CurrentState(), now: P.now)
        #expect(plan.changes.isEmpty)
        #expect(plan.actions.first?.reason.contains("no preview spec matches base branch 'develop'") == true)
    }

    @Test("a new head updates the running preview; the same content plans nothing")
    func updateAndNoop() {
        let current = CurrentState(environments: [P.env("pr-7", pr: 7, sha: "old", content: "p-old")])
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(7, sha: "new")]), current) == ["update pr-7"])
        // A bot commit: new SHA, same content id.
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(7, sha: "botcommit", content: "old")]), current) == [])
    }

    @Test("a deploy already queued for the same content is not queued again")
    func alreadyQueued() {
        let current = CurrentState(pendingJobs: [PendingJob(environment: "pr-7", kind: .deploy, contentID: "p-a")])
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(7, sha: "a")]), current) == [])
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(7, sha: "b")]), current) == ["create pr-7"])
    }

    @Test("a building, deploying or queued record with no live job is stale: the deploy is queued again; with one, nothing is")
    func staleInProgressRecord() {
        let inputs = DesiredInputs(pullRequests: [P.pr(7, sha: "a")], branches: [P.branch("main", sha: "m")])
        for status in [EnvironmentStatus.building, .deploying, .queued] {
            let envs = [P.env("pr-7", pr: 7, sha: "a", content: "p-a", status: status),
                        P.env("staging", sha: "m", content: "s-m", status: status, kind: .staging)]
            // The run that wrote the status was interrupted and nothing will finish it.
            let stale = Planner.plan(desired: inputs, current: CurrentState(environments: envs), now: P.now)
            #expect(stale.changes.map { "\($0.kind.rawValue) \($0.environment)" } == ["update staging", "update pr-7"], "\(status)")
            #expect(stale.changes.allSatisfy { $0.reason.contains("the last deploy was interrupted (\(status.rawValue) with no job queued or running)") })
            // A job queued or running will finish it.
            let live = CurrentState(environments: envs, pendingJobs: [PendingJob(environment: "pr-7", kind: .deploy, contentID: "p-a"),
                                                                      PendingJob(environment: "staging", kind: .deploy, contentID: "s-m")])
            #expect(P.plan(inputs, live) == [], "\(status)")
        }
        // A failed record of the same content is not retried (a job that failed for good stays failed).
        let failed = CurrentState(environments: [P.env("pr-7", pr: 7, sha: "a", content: "p-a", status: .failed)])
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(7, sha: "a")]), failed) == [])
    }

    @Test("closed or merged PRs are torn down")
    func closedTornDown() {
        let current = CurrentState(environments: [P.env("pr-7", pr: 7, sha: "a", content: "p-a")])
        let plan = Planner.plan(desired: DesiredInputs(), current: current, now: P.now)
        #expect(plan.changes.map(\.kind) == [.teardown])
        #expect(plan.changes.first?.reason.contains("closed") == true)
        // A torn-down environment is not torn down twice.
        let gone = CurrentState(environments: [P.env("pr-7", pr: 7, sha: "a", content: "p-a", status: .tornDown)])
        #expect(P.plan(DesiredInputs(), gone) == [])
        let queued = CurrentState(environments: current.environments, pendingJobs: [PendingJob(environment: "pr-7", kind: .teardown, contentID: nil)])
        #expect(P.plan(DesiredInputs(), queued) == [])
    }

    @Test("a PR idle past its ttl is torn down and not recreated until a push")
    func ttl() {
        let old = P.now.addingTimeInterval(-73 * 3600)
        let current = CurrentState(environments: [P.env("pr-7", pr: 7, sha: "a", content: "p-a")])
        let plan = Planner.plan(desired: DesiredInputs(pullRequests: [P.pr(7, sha: "a", seen: old)]), current: current, now: P.now)
        #expect(plan.changes.map(\.kind) == [.teardown])
        #expect(plan.changes.first?.reason.contains("no push for 3d") == true)
        let after = CurrentState(environments: [P.env("pr-7", pr: 7, sha: "a", content: "p-a", status: .tornDown)])
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(7, sha: "a", seen: old)]), after) == [])
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(7, sha: "b", seen: P.now)]), after) == ["create pr-7"])
    }

    @Test("drafts get no preview until ready for review")
    func drafts() {
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(9, sha: "a", draft: true)])) == [])
        let running = CurrentState(environments: [P.env("pr-9", pr: 9, sha: "a", content: "p-a")])
        let plan = Planner.plan(desired: DesiredInputs(pullRequests: [P.pr(9, sha: "a", draft: true)]), current: running, now: P.now)
        #expect(plan.changes.map(\.kind) == [.teardown])
        #expect(plan.changes.first?.reason.contains("draft") == true)
    }

    @Test("fork PRs build only at the head the trust label was given for")
    func forks() {
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(5, sha: "a", fork: true)])) == [])
        let untrusted = Planner.plan(desired: DesiredInputs(pullRequests: [P.pr(5, sha: "a", fork: true)]), current: CurrentState(), now: P.now)
        #expect(untrusted.actions.first?.reason.contains("safe-to-build") == true)
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(5, sha: "a", fork: true, trusted: "a")])) == ["create pr-5"])
        // A later push from the fork needs the label again.
        let running = CurrentState(environments: [P.env("pr-5", pr: 5, sha: "a", content: "p-a")])
        let plan = Planner.plan(desired: DesiredInputs(pullRequests: [P.pr(5, sha: "b", fork: true, trusted: "a")]), current: running, now: P.now)
        #expect(plan.changes.map(\.kind) == [.teardown])
        #expect(plan.changes.first?.reason.contains("again") == true)
    }

    @Test("staging follows its branch; production never moves by the planner and is reported behind")
    func stagingAndProduction() {
        #expect(P.plan(DesiredInputs(branches: [P.branch("main", sha: "m1")])) == ["create staging"])
        let current = CurrentState(environments: [
            P.env("staging", sha: "m1", content: "s-m1", kind: .staging),
            P.env("production", sha: "m0", content: "s-m0", kind: .production),
        ])
        let plan = Planner.plan(desired: DesiredInputs(branches: [P.branch("main", sha: "m1"), P.branch("production", sha: "p0")]),
                                current: current, now: P.now)
        #expect(plan.changes.isEmpty)
        #expect(plan.notes == ["production is behind staging: staging runs m1, production runs m0; promote with the label 'promote'"])
    }

    @Test("invalid specs at a PR head plan nothing and keep the running preview")
    func invalidSpecs() {
        let bad = Candidate(source: .pullRequest(PullRequestInfo(number: 3, headSHA: "z", baseRef: "main", headSeenAt: P.now)),
                            sha: "z", specs: .invalid(["environments/preview.yaml:3:1: error: x"]))
        let running = CurrentState(environments: [P.env("pr-3", pr: 3, sha: "y", content: "p-y")])
        let plan = Planner.plan(desired: DesiredInputs(pullRequests: [bad]), current: running, now: P.now)
        #expect(plan.changes.isEmpty)
        #expect(plan.actions.contains { $0.reason.contains("invalid") })
    }

    @Test("the plan is the same whatever order the inputs come in")
    func orderIndependent() {
        let prs = (1...20).map { P.pr($0, sha: "s\($0)") }
        let current = CurrentState(environments: (15...25).map { (n: Int) in P.env("pr-\(n)", pr: n, sha: "s\(n)", content: "p-s\(n)") })
        let a = Planner.plan(desired: DesiredInputs(pullRequests: prs, branches: [P.branch("main", sha: "m")]), current: current, now: P.now)
        let b = Planner.plan(desired: DesiredInputs(pullRequests: prs.reversed(), branches: [P.branch("main", sha: "m")]),
                             current: CurrentState(environments: current.environments.reversed()), now: P.now)
        #expect(a == b)
        #expect(a.changes.filter { $0.kind == .create }.count == 15)
        #expect(a.changes.filter { $0.kind == .teardown }.map(\.environment) == (21...25).map { "pr-\($0)" })
    }
}

extension PlannerTests {
    @Test("a deploy queued for a PR that closed before it ran is cancelled by a teardown")
    func queuedDeployForClosedPR() {
        let current = CurrentState(pendingJobs: [PendingJob(environment: "pr-7", kind: .deploy, contentID: "p-a")])
        #expect(P.plan(DesiredInputs(), current) == ["teardown pr-7"])
        let both = CurrentState(pendingJobs: [PendingJob(environment: "pr-7", kind: .deploy, contentID: "p-a"),
                                              PendingJob(environment: "pr-7", kind: .teardown, contentID: nil)])
        #expect(P.plan(DesiredInputs(), both) == [])
    }
}

@Suite("Planner trust: provenance, colliding names, grants, notices")
struct PlannerTrustTests {
    @Test("unknown provenance is never built and says why; a fork without a forge never builds")
    func provenance() {
        let unknown = Planner.plan(desired: DesiredInputs(pullRequests: [P.pr(3, sha: "a", provenance: .unknown)]), current: CurrentState(), now: P.now)
        #expect(unknown.changes.isEmpty)
        #expect(unknown.notices.map(\.kind) == [.unknownProvenance])
        #expect(unknown.notices.first?.statusState == nil)
        let fork = DesiredInputs(pullRequests: [P.pr(4, sha: "a", fork: true, trusted: "a")], forgeConfigured: false)
        let planned = Planner.plan(desired: fork, current: CurrentState(), now: P.now)
        #expect(planned.changes.isEmpty)
        #expect(planned.notices.map(\.kind) == [.forkNotBuilt])
        // With a forge, the same labelled fork builds.
        #expect(P.plan(DesiredInputs(pullRequests: [P.pr(4, sha: "a", fork: true, trusted: "a")])) == ["create pr-4"])
    }

    @Test("a fork waiting for the label gets a pending notice naming it")
    func waitingNotice() throws {
        let plan = Planner.plan(desired: DesiredInputs(pullRequests: [P.pr(5, sha: "abc", fork: true)]), current: CurrentState(), now: P.now)
        let notice = try #require(plan.notices.first)
        #expect(notice.kind == .waitingForTrustLabel)
        #expect(notice.environment == "pr-5")
        #expect(notice.sha == "abc")
        #expect(notice.statusState == "pending")
        #expect(notice.message.contains("'safe-to-build'"))
    }

    @Test("colliding preview names: a branch environment's name and another PR's preview are refused")
    func collidingNames() {
        func spec(_ name: String) -> SpecsAtCommit {
            var preview = P.preview
            preview.name = name
            return .specs([ResolvedSpec(spec: preview, contentID: "p"), ResolvedSpec(spec: P.staging, contentID: "s")])
        }
        func pr(_ number: Int, _ name: String) -> Candidate {
            var candidate = P.pr(number, sha: "h\(number)")
            candidate.specs = spec(name)
            return candidate
        }
        // A template without the number: the lowest PR number takes the name, the other is refused.
        let shared = Planner.plan(desired: DesiredInputs(pullRequests: [pr(12, "preview-x"), pr(2, "preview-x")]), current: CurrentState(), now: P.now)
        #expect(shared.changes.map { "\($0.environment) \($0.pullRequest ?? 0)" } == ["preview-x 2"])
        #expect(shared.notices.contains { $0.pullRequest == 12 && $0.kind == .nameCollision && $0.message.contains("PR #2") })
        // A preview named like staging never takes it.
        let branch = DesiredInputs(pullRequests: [pr(7, "staging")], branches: [P.branch("main", sha: "m")])
        let plan = Planner.plan(desired: branch, current: CurrentState(), now: P.now)
        #expect(plan.changes.map(\.environment) == ["staging"])
        #expect(plan.changes.first?.pullRequest == nil)
        #expect(plan.notices.contains { $0.pullRequest == 7 && $0.kind == .nameCollision && $0.statusState == "error" })
        // A live preview keeps its name against a newcomer with a lower number.
        let live = CurrentState(environments: [P.env("preview-x", pr: 12, sha: "h12", content: "p")])
        let kept = Planner.plan(desired: DesiredInputs(pullRequests: [pr(12, "preview-x"), pr(2, "preview-x")]), current: live, now: P.now)
        #expect(kept.notices.contains { $0.pullRequest == 2 && $0.kind == .nameCollision })
        #expect(!kept.changes.contains { $0.pullRequest == 2 })
        // An invalid rendered name is refused too.
        #expect(Planner.plan(desired: DesiredInputs(pullRequests: [pr(9, "PR_{{pr.number}}")]), current: CurrentState(), now: P.now)
            .notices.contains { $0.kind == .nameCollision && $0.message.contains("not a valid environment name") })
    }

    @Test("a spec naming a grant its environment may not use is refused with the grant's name, never a value")
    func grants() throws {
        var preview = P.preview
        preview.secrets = [.init(name: "STRIPE_KEY", grant: "stripe-live")]
        var candidate = P.pr(8, sha: "a")
        candidate.specs = .specs([ResolvedSpec(spec: preview, contentID: "p")])
        let table = GrantTable([Grant(name: "stripe-live", source: .file("/etc/slipway/live"), environments: ["production"])])
        let plan = Planner.plan(desired: DesiredInputs(pullRequests: [candidate], grants: table), current: CurrentState(), now: P.now)
        #expect(plan.changes.isEmpty)
        let notice = try #require(plan.notices.first { $0.kind == .grantRefused })
        #expect(notice.statusState == "failure")
        #expect(notice.details == ["secrets.STRIPE_KEY: the grant 'stripe-live' is not allowed for preview environment 'pr-8' (allowed: production)"])
        // Allowed for previews: built.
        let allowed = GrantTable([Grant(name: "stripe-live", source: .env("K"), environments: ["preview"])])
        #expect(Planner.plan(desired: DesiredInputs(pullRequests: [candidate], grants: allowed), current: CurrentState(), now: P.now).changes.count == 1)
    }

    @Test("a preview's action carries the commit its spec was read at (the base tip), not the head")
    func specCommit() {
        var candidate = P.pr(6, sha: "head6")
        candidate.specSHA = "basetip"
        let plan = Planner.plan(desired: DesiredInputs(pullRequests: [candidate], branches: [P.branch("main", sha: "m1")]), current: CurrentState(), now: P.now)
        #expect(plan.changes.first { $0.environment == "pr-6" }?.specSHA == "basetip")
        #expect(plan.changes.first { $0.environment == "pr-6" }?.sha == "head6")
        #expect(plan.changes.first { $0.environment == "staging" }?.specSHA == "m1")
    }
}

@Suite("Planner: promoted environments and pins")
struct PlannerPromotionTests {
    static let target = EnvironmentSpec(
        file: "environments/production.yaml", kind: .production, name: "production", match: .init(branch: "production"),
        deploy: .init(run: "sh serve.sh"), promotion: .init(from: "staging", label: "promote", approvers: ["alice"]))

    func branch(_ sha: String, spec: EnvironmentSpec = target) -> Candidate {
        Candidate(source: .branch(name: "production"), sha: sha, specs: .specs([ResolvedSpec(spec: spec, contentID: "x-\(sha)")]))
    }

    func approved(_ sha: String) -> [String: ApprovedPromotion] {
        ["production": ApprovedPromotion(environment: "production", sha: sha, from: "staging", approvers: ["alice"], gates: [],
                                         promotedFrom: nil, pullRequest: 9, at: P.now)]
    }

    @Test("a promoted environment deploys its branch head only when Slipway promoted exactly that SHA")
    func onlyApproved() {
        let first = Planner.plan(desired: DesiredInputs(branches: [branch("p1")]), current: CurrentState(), now: P.now)
        #expect(first.changes.isEmpty)
        #expect(first.actions.first?.reason.contains("moves only by promotion from staging") == true)
        #expect(first.unapproved.isEmpty)
        let shipped = Planner.plan(desired: DesiredInputs(branches: [branch("p1")], promotions: approved("p1")), current: CurrentState(), now: P.now)
        #expect(shipped.changes.map { "\($0.kind.rawValue) \($0.environment) \($0.sha ?? "")" } == ["create production p1"])
        #expect(shipped.changes.first?.environmentKind == .production)
    }

    @Test("a push to the branch that Slipway did not make is not deployed and is reported; allow_direct_push deploys it")
    func directPush() {
        let running = CurrentState(environments: [P.env("production", sha: "p1", content: "x-p1", kind: .production)])
        let plan = Planner.plan(desired: DesiredInputs(branches: [branch("p2")], promotions: approved("p1")), current: running, now: P.now)
        #expect(plan.changes.isEmpty, "the running production is neither updated nor torn down")
        #expect(plan.unapproved == [UnapprovedPush(environment: "production", branch: "production", sha: "p2", running: "p1")])
        var open = Self.target
        open.promotion?.allowDirectPush = true
        let allowed = Planner.plan(desired: DesiredInputs(branches: [branch("p2", spec: open)], promotions: approved("p1")), current: running, now: P.now)
        #expect(allowed.changes.map { "\($0.kind.rawValue) \($0.environment)" } == ["update production"])
        #expect(allowed.unapproved.isEmpty)
    }

    @Test("a pinned environment is kept as it is; a pinned teardown is not brought back")
    func pins() {
        let staging = Candidate(source: .branch(name: "main"), sha: "m2", specs: .specs([ResolvedSpec(spec: P.staging, contentID: "s-m2")]))
        let running = CurrentState(environments: [P.env("staging", sha: "m0", content: "s-m0", kind: .staging)])
        let pin = EnvironmentPin(environment: "staging", action: .rollback, sha: "m0", actor: "alice", reason: "broken login", at: P.now)
        let kept = Planner.plan(desired: DesiredInputs(branches: [staging], pins: ["staging": pin]), current: running, now: P.now)
        #expect(kept.changes.isEmpty)
        #expect(kept.actions.contains { $0.environment == "staging" && $0.reason.contains("pinned by alice (rollback to m0: broken login)") })
        // Unpinned, it follows main again.
        #expect(P.plan(DesiredInputs(branches: [staging]), running) == ["update staging"])
        // Torn down by hand: not brought back.
        let down = EnvironmentPin(environment: "staging", action: .teardown, sha: nil, actor: "bob", reason: nil, at: P.now)
        #expect(Planner.plan(desired: DesiredInputs(branches: [staging], pins: ["staging": down]), current: CurrentState(), now: P.now).changes.isEmpty)
    }

    @Test("'behind' compares code, not specs: a target running the same code as its source is not behind")
    func behindComparesCode() {
        var stagingSpec = P.staging
        stagingSpec.match.branch = "main"
        let specs = SpecsAtCommit.specs([ResolvedSpec(spec: stagingSpec, contentID: "s"), ResolvedSpec(spec: Self.target, contentID: "x")])
        let main = Candidate(source: .branch(name: "main"), sha: "m1", specs: specs)
        let current = CurrentState(environments: [P.env("staging", sha: "m1", content: "s-m1", kind: .staging),
                                                  P.env("production", sha: "p1", content: "x-p1", kind: .production)])
        let same = Planner.plan(desired: DesiredInputs(branches: [main], codeIDs: ["m1": "code-A", "p1": "code-A"]), current: current, now: P.now)
        #expect(!same.notes.contains { $0.contains("is behind") })
        let behind = Planner.plan(desired: DesiredInputs(branches: [main], codeIDs: ["m1": "code-B", "p1": "code-A"]), current: current, now: P.now)
        #expect(behind.notes.contains { $0.contains("production is behind staging") })
    }

    @Test("a chain: staging promoted from qa moves only by its own promotion, like production")
    func chain() {
        let qa = EnvironmentSpec(file: "environments/qa.yaml", kind: .staging, name: "qa", match: .init(branch: "main"),
                                 deploy: .init(run: "sh serve.sh"), neutralize: .init())
        let staging = EnvironmentSpec(file: "environments/staging.yaml", kind: .staging, name: "staging", match: .init(branch: "release"),
                                      deploy: .init(run: "sh serve.sh"), neutralize: .init(),
                                      promotion: .init(from: "qa", label: "promote", approvers: ["alice"]))
        let specs = SpecsAtCommit.specs([ResolvedSpec(spec: qa, contentID: "q"), ResolvedSpec(spec: staging, contentID: "s")])
        let inputs = DesiredInputs(branches: [Candidate(source: .branch(name: "main"), sha: "m1", specs: specs),
                                              Candidate(source: .branch(name: "release"), sha: "r1", specs: specs)])
        #expect(Planner.plan(desired: inputs, current: CurrentState(), now: P.now).changes.map(\.environment) == ["qa"])
        var approved = inputs
        approved.promotions = ["staging": ApprovedPromotion(environment: "staging", sha: "r1", from: "qa", approvers: ["alice"], gates: [],
                                                            promotedFrom: nil, pullRequest: 3, at: P.now)]
        #expect(Planner.plan(desired: approved, current: CurrentState(), now: P.now).changes.map(\.environment).sorted() == ["qa", "staging"])
    }
}
