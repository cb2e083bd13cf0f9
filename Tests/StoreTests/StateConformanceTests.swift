import Foundation
import SlipwayCore
import Store
import Testing
import TestSupport

func action(_ kind: PlannedAction.Kind, _ env: String, content: String? = nil, pr: Int? = nil) -> PlannedAction {
    PlannedAction(kind: kind, environment: env, environmentKind: pr == nil ? .staging : .preview, pullRequest: pr,
                  sha: content.map { "sha-\($0)" }, contentID: content, specFile: "environments/x.yaml", reason: "test")
}

extension StoreConformanceTests {
    @Test("pull request metadata ignores older updates and keeps when the head was first seen", arguments: Backend.allCases)
    func pullRequestOrdering(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let t0 = Date(timeIntervalSince1970: 1000)
        var pr = PullRequestRecord(number: 4, state: .open, headSHA: "a", baseRef: "main", labels: ["x"], headSeenAt: t0, updatedAt: "2026-01-01T00:00:02Z")
        #expect(try store.recordPullRequest(pr))
        // An older delivery arrives late: ignored.
        var older = pr
        older.isDraft = true
        older.updatedAt = "2026-01-01T00:00:01Z"
        #expect(try store.recordPullRequest(older) == false)
        #expect(try store.pullRequests().first?.isDraft == false)
        // Same head, later metadata: head time kept.
        pr.labels = ["x", "safe-to-build"]
        pr.labelHeads = ["safe-to-build": "a"]
        pr.headSeenAt = Date(timeIntervalSince1970: 5000)
        pr.updatedAt = "2026-01-01T00:00:03Z"
        #expect(try store.recordPullRequest(pr))
        let stored = try #require(try store.pullRequests().first)
        #expect(stored.labels == ["x", "safe-to-build"])
        #expect(stored.headSeenAt == t0)
        #expect(stored.labelHeads == ["safe-to-build": "a"])
        // Git sees a new head: the time restarts, trust stays on the old head.
        try store.observePullRequestHead(number: 4, sha: "b", defaultBase: "main", now: Date(timeIntervalSince1970: 9000))
        let moved = try #require(try store.pullRequests().first)
        #expect(moved.headSHA == "b")
        #expect(moved.headSeenAt == Date(timeIntervalSince1970: 9000))
        #expect(moved.labelHeads == ["safe-to-build": "a"])
        // Unknown PRs seen in git are open PRs into the default base.
        try store.observePullRequestHead(number: 9, sha: "c", defaultBase: "main", now: t0)
        // A listing that began before PR 4's head was seen cannot speak for it.
        try store.closePullRequests(notIn: [9], seenBefore: Date(timeIntervalSince1970: 8000))
        #expect(try store.pullRequests().first { $0.number == 4 }?.state == .open, "recorded after the listing began")
        try store.closePullRequests(notIn: [9], seenBefore: Date(timeIntervalSince1970: 9001))
        #expect(try store.pullRequests().map { "\($0.number):\($0.state.rawValue):\($0.baseRef)" } == ["4:closed:main", "9:open:main"])
    }

    @Test("environments are saved and read back whole", arguments: Backend.allCases)
    func environmentsRoundTrip(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let env = EnvironmentRecord(name: "pr-4", kind: .preview, pullRequest: 4, sha: "abc", contentID: "c1", specFile: "environments/p.yaml",
                                    status: .healthy, url: "http://127.0.0.1:4000", port: 4000, pid: 1234, processStart: 987_654_321,
                                    lastError: nil, createdAt: Date(timeIntervalSince1970: 10), updatedAt: Date(timeIntervalSince1970: 20))
        try store.saveEnvironment(env)
        #expect(try store.environment(named: "pr-4") == env)
        var updated = env
        updated.status = .tornDown
        updated.pid = nil
        updated.lastError = "gone"
        try store.saveEnvironment(updated)
        #expect(try store.environments() == [updated])
        #expect(try store.environment(named: "nope") == nil)
    }

    @Test("a new deploy supersedes the queued one and asks the running one to cancel", arguments: Backend.allCases)
    func enqueueSupersedes(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let now = Date()
        let first = try store.enqueue([action(.create, "pr-1", content: "c1", pr: 1), action(.none, "pr-2", pr: 2)], trigger: "reconcile", now: now)
        #expect(first.map(\.environment) == ["pr-1"])
        // The same content again: nothing new.
        #expect(try store.enqueue([action(.update, "pr-1", content: "c1", pr: 1)], trigger: "reconcile", now: now).isEmpty)
        let running = try #require(try store.claimJob(owner: "w", lease: 60, now: now))
        #expect(running.id == first[0].id)
        let second = try store.enqueue([action(.update, "pr-1", content: "c2", pr: 1)], trigger: "delivery:x", now: now)
        #expect(second.count == 1)
        #expect(try store.job(id: running.id)?.cancelRequested == true)
        let third = try store.enqueue([action(.update, "pr-1", content: "c3", pr: 1)], trigger: "delivery:y", now: now)
        #expect(try store.job(id: second[0].id)?.status == .superseded)
        #expect(try store.pendingJobs().map(\.id) == [running.id, third[0].id])
        // One environment never runs two jobs: the queued one waits for the running one.
        #expect(try store.claimJob(owner: "w2", lease: 60, now: now) == nil)
        try store.finishJob(id: running.id, owner: "w", status: .cancelled, error: "superseded", now: now)
        let next = try #require(try store.claimJob(owner: "w2", lease: 60, now: now))
        #expect(next.id == third[0].id)
        #expect(next.contentID == "c3")
        #expect(next.trigger == "delivery:y")
        #expect(next.attempts == 1)
    }

    @Test("jobs of different environments run in parallel; an expired lease is taken again", arguments: Backend.allCases)
    func claimsAndLeases(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let now = Date()
        try store.enqueue([action(.create, "staging", content: "s"), action(.create, "pr-1", content: "p", pr: 1),
                           action(.teardown, "pr-2", pr: 2)], trigger: "reconcile", now: now)
        let a = try #require(try store.claimJob(owner: "a", lease: 30, now: now))
        let b = try #require(try store.claimJob(owner: "b", lease: 30, now: now))
        let c = try #require(try store.claimJob(owner: "c", lease: 30, now: now))
        #expect(Set([a.environment, b.environment, c.environment]) == ["staging", "pr-1", "pr-2"])
        #expect(c.kind == .teardown || a.kind == .teardown || b.kind == .teardown)
        #expect(try store.claimJob(owner: "d", lease: 30, now: now) == nil)
        #expect(try store.renewJobLease(id: a.id, owner: "a", until: now.addingTimeInterval(100)))
        #expect(try store.renewJobLease(id: a.id, owner: "x", until: now.addingTimeInterval(100)) == false)
        // b's worker died: after its lease, another worker takes the job again.
        let retaken = try #require(try store.claimJob(owner: "d", lease: 30, now: now.addingTimeInterval(31)))
        #expect([b.id, c.id].contains(retaken.id))
        #expect(retaken.attempts == 2)
        try store.finishJob(id: a.id, owner: "a", status: .succeeded, error: nil, now: now)
        #expect(try store.job(id: a.id)?.status == .succeeded)
        #expect(try store.jobs(limit: 10).count == 3)
    }

    @Test("a run's writes are fenced by its attempt: after its lease expired and another worker took the job, it changes nothing", arguments: Backend.allCases)
    func attemptFencing(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let now = Date()
        try store.enqueue([action(.create, "staging", content: "s")], trigger: "reconcile", now: now)
        let first = try #require(try store.claimJob(owner: "host/runner-0", lease: 30, now: now))
        let stale = JobLease(job: first, owner: "host/runner-0")
        #expect(stale.attempt == 1)
        let env = EnvironmentRecord(name: "staging", kind: .staging, sha: "a", contentID: "s", specFile: "environments/x.yaml",
                                    status: .building, createdAt: now, updatedAt: now)
        #expect(try store.saveEnvironment(env, holding: stale))
        #expect(try store.renewJobLease(stale, until: now.addingTimeInterval(30)))
        // The lease expires; the same owner name (a restarted instance) takes it as attempt 2.
        let second = try #require(try store.claimJob(owner: "host/runner-0", lease: 30, now: now.addingTimeInterval(61)))
        let current = JobLease(job: second, owner: "host/runner-0")
        #expect(current.attempt == 2)
        var healthy = env
        healthy.status = .healthy
        #expect(try store.saveEnvironment(healthy, holding: current))
        // Every write of the stale run is refused.
        var failed = env
        failed.status = .failed
        #expect(try store.saveEnvironment(failed, holding: stale) == false)
        #expect(try store.renewJobLease(stale, until: now.addingTimeInterval(300)) == false)
        #expect(try store.requeueJob(stale) == false)
        #expect(try store.finishJob(stale, status: .failed, error: "stale", now: now) == false)
        #expect(try store.environment(named: "staging")?.status == .healthy)
        #expect(try store.finishJob(current, status: .succeeded, error: nil, now: now))
        #expect(try store.job(id: first.id)?.status == .succeeded)
        #expect(try store.finishJob(current, status: .failed, error: "twice", now: now) == false)
        #expect(try store.jobCounts() == [.succeeded: 1])
    }

    @Test("a graceful stop puts a job back with its lease cleared, and that run does not count as an attempt", arguments: Backend.allCases)
    func requeueOnStop(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let now = Date()
        try store.enqueue([action(.create, "staging", content: "s"), action(.create, "pr-1", content: "p", pr: 1)],
                          trigger: "reconcile", now: now)
        let job = try #require(try store.claimJob(owner: "a/runner-0", lease: 600, now: now))
        #expect(try store.jobCounts() == [.running: 1, .queued: 1])
        #expect(try store.requeueJob(JobLease(job: job, owner: "a/runner-0")))
        let back = try #require(try store.job(id: job.id))
        #expect(back.status == .queued && back.attempts == 1 && back.requeues == 1 && back.countedAttempts == 0)
        // Its lease is cleared: another worker takes it at once, well before 600 s.
        let again = try #require(try store.claimJob(owner: "b/runner-0", lease: 600, now: now))
        #expect(again.id == job.id)
        #expect(again.attempts == 2 && again.countedAttempts == 1)
        #expect(try store.requeueJob(JobLease(job: job, owner: "a/runner-0")) == false)
    }

    @Test("concurrent claimers never run two jobs of one environment", arguments: Backend.allCases)
    func concurrentJobClaims(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        let now = Date()
        try store.enqueue((0..<30).map { action(.create, "env-\($0 % 10)", content: "c\($0)") }, trigger: "t", now: now)
        let lock = NSLock()
        nonisolated(unsafe) var claimed: [JobRecord] = []
        DispatchQueue.concurrentPerform(iterations: 6) { worker in
            while let job = try? store.claimJob(owner: "w\(worker)", lease: 60, now: now) {
                lock.lock(); claimed.append(job); lock.unlock()
            }
        }
        #expect(claimed.count == 10)
        #expect(Set(claimed.map(\.environment)).count == 10)
    }
}

extension StoreConformanceTests {
    @Test("values, prefixes and counters", arguments: Backend.allCases)
    func keyValue(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        try store.setValue("one", forKey: "a:1")
        try store.setValue("two", forKey: "a:2")
        try store.setValue("other", forKey: "b:1")
        try store.setValue("uno", forKey: "a:1")
        #expect(try store.value(forKey: "a:1") == "uno")
        #expect(try store.values(withPrefix: "a:") == ["a:1": "uno", "a:2": "two"])
        try store.setValue(nil, forKey: "a:2")
        #expect(try store.value(forKey: "a:2") == nil)
        let lock = NSLock()
        nonisolated(unsafe) var numbers: [Int64] = []
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<25 {
                if let n = try? store.nextCounter("versions") { lock.lock(); numbers.append(n); lock.unlock() }
            }
        }
        #expect(numbers.count == 100)
        #expect(Set(numbers).count == 100)
        #expect(numbers.max() == 100)
    }

    @Test("a restarted instance takes back its running jobs", arguments: Backend.allCases)
    func releaseOwnJobs(backend: Backend) throws {
        let (store, keep) = try backend.makeStore()
        defer { withExtendedLifetime(keep) {} }
        try store.enqueue([action(.create, "a", content: "1"), action(.create, "b", content: "2")], trigger: "t", now: Date())
        _ = try store.claimJob(owner: "host-1/0", lease: 600, now: Date())
        _ = try store.claimJob(owner: "host-2/0", lease: 600, now: Date())
        #expect(try store.releaseJobs(ownedBy: "host-1") == 1)
        #expect(try store.pendingJobs().map(\.status).sorted { $0.rawValue < $1.rawValue } == [.queued, .running])
    }
}
