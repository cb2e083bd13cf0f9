import Foundation
import SlipwayCore
import Testing

@Suite("Planner with the open PRs unknown")
struct PlannerOutageTests {
    @Test("unknown PRs: live previews are kept as they are (even failed ones), a queued preview deploy is not cancelled, staging still updates")
    func previewsKeptStagingUpdates() {
        let current = CurrentState(
            environments: [P.env("pr-7", pr: 7, sha: "a", content: "p-a"), P.env("pr-8", pr: 8, sha: "b", content: "p-b", status: .failed),
                           P.env("staging", sha: "old", content: "s-old", kind: .staging)],
            pendingJobs: [PendingJob(environment: "pr-9", kind: .deploy, contentID: "p-c", pullRequest: 9)])
        let inputs = DesiredInputs(branches: [P.branch("main", sha: "new")], pullRequestsUnknown: "GitHub answered 503")
        let plan = Planner.plan(desired: inputs, current: current, now: P.now)
        #expect(plan.changes.map { "\($0.kind.rawValue) \($0.environment)" } == ["update staging"])
        for name in ["pr-7", "pr-8"] {
            let kept = plan.actions.first { $0.environment == name }
            #expect(kept?.kind == PlannedAction.Kind.none)
            #expect(kept?.reason.contains("forge unavailable") == true)
            #expect(kept?.reason.contains("GitHub answered 503") == true)
        }
        #expect(plan.pullRequestsUnknown == "GitHub answered 503")
        #expect(plan.notices.isEmpty)
        #expect(plan.notes.contains { $0.contains("forge unavailable") })
        // Known again and empty: the same state plans the teardowns and the cancellation.
        let known = Planner.plan(desired: DesiredInputs(branches: [P.branch("main", sha: "new")]), current: current, now: P.now)
        #expect(Set(known.changes.map { "\($0.kind.rawValue) \($0.environment)" }) == ["teardown pr-7", "teardown pr-8", "teardown pr-9", "update staging"])
    }
}
