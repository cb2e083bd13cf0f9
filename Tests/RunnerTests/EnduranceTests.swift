import Foundation
@testable import Runner
import SlipwayCore
import Store
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("Runner: jobs that survive stops, lost leases and crashes; bounded logs and hashing")
struct EnduranceTests {
    /// The pgid the slow build wrote (its first run hangs until stopped).
    static func slowBuildGroup(_ harness: RunnerHarness) throws -> Int32 {
        let file = harness.work.child("envs/staging/home/build.pgid")
        return try Eventually.value(of: "the slow build to start", timeout: 20) {
            (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    @Test("a graceful stop during a first build puts the job back (not a failed attempt, the record not left building); the next start converges")
    func gracefulStopDuringFirstBuild() throws {
        var files = RunnerHarness.files
        files["slow-once"] = "1"
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        // The build reports its process group as the host sees it: unconfined mode.
        let first = harness.startService { $0.isolation = .none; $0.shutdownDeadline = 0.2 }
        let job = try harness.enqueueDeploy(try harness.git.head("main"))
        let pgid = try Self.slowBuildGroup(harness)
        first.stop()

        let requeued = try #require(try harness.store.job(id: job.id))
        #expect(requeued.status == .queued)
        #expect(requeued.attempts == 1 && requeued.requeues == 1 && requeued.countedAttempts == 0)
        #expect(groupIsGone(pgid), "the stopped build's process group \(pgid) still exists")
        #expect(try harness.environment().status == .queued)
        // The interrupted run tells nobody it failed: it did not.
        #expect(harness.observer.started == [job.id])
        #expect(!harness.observer.hasReport(job.id))

        harness.startService { $0.isolation = .none }
        let done = try harness.finished(job.id)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        #expect(done.attempts == 2 && done.countedAttempts == 1)
        #expect(try harness.environment().status == .healthy)
    }

    @Test("a worker that cannot reach the store stops its job before the lease ends; a second worker takes over and the stale one changes nothing")
    func staleWorkerIsFenced() throws {
        var files = RunnerHarness.files
        files["slow-once"] = "1"
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        let gated = GatedStore(harness.store)
        harness.startService(store: gated) { $0.isolation = .none; $0.lease = 3; $0.killGrace = 0.5 }
        let job = try harness.enqueueDeploy(try harness.git.head("main"))
        let pgid = try Self.slowBuildGroup(harness)

        // The store becomes unreachable for the first worker: its renewals hang.
        gated.gate.close()
        try Eventually.wait(for: "the first worker to stop its build", timeout: 10) { groupIsGone(pgid) }
        // It stopped while its lease still held: nobody else had the job yet.
        let meanwhile = try #require(try harness.store.job(id: job.id))
        #expect(meanwhile.status == .running && meanwhile.attempts == 1)

        // A second worker takes the job once the lease expired; its build checks the first
        // run's process group is gone (it exits 9 otherwise).
        harness.startService { $0.isolation = .none; $0.lease = 3 }
        let done = try harness.finished(job.id, timeout: 30)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        #expect(done.attempts == 2)
        let env = try harness.environment()
        #expect(env.status == .healthy)

        // The store comes back for the first worker: its pending renewal is fenced out.
        gated.gate.open()
        let stale = try Eventually.value(of: "the stale renewal to go through", timeout: 10) {
            gated.renewed.first { $0.lease.attempt == 1 && !$0.renewed }
        }
        #expect(stale.lease.id == job.id)
        #expect(try harness.store.job(id: job.id)?.status == .succeeded)
        #expect(try harness.environment() == env)
        // And the fence holds for every write of the stale run.
        let lease = JobLease(id: job.id, owner: stale.lease.owner, attempt: 1)
        #expect(try harness.store.finishJob(lease, status: .failed, error: "stale", now: Date()) == false)
        var overwrite = env
        overwrite.status = .failed
        #expect(try harness.store.saveEnvironment(overwrite, holding: lease) == false)
        #expect(try harness.environment() == env)
    }

    @Test("a job whose runs keep being interrupted fails for good after maxAttempts, with the reason in the record, the report and env show")
    func crashLoopIsCapped() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        let sha = try harness.git.head("main")
        let job = try harness.enqueueDeploy(sha)
        // Three runs, each ended by a crash of the bot: a restart releases its leases.
        for _ in 1...3 {
            let claimed = try #require(try harness.store.claimJob(owner: "crashed/runner-0", lease: 600, now: Date()))
            #expect(claimed.id == job.id)
            try harness.store.saveEnvironment(EnvironmentRecord(name: "staging", kind: .staging, sha: sha, contentID: job.contentID ?? "",
                                                                specFile: "environments/staging.yaml", status: .building,
                                                                createdAt: Date(), updatedAt: Date()))
            #expect(try harness.store.releaseJobs(ownedBy: "crashed") == 1)
        }
        harness.startService()
        let done = try harness.finished(job.id)
        #expect(done.status == .failed)
        let reason = try #require(done.error)
        #expect(reason.hasPrefix("gave up after 3 attempts: every run was interrupted"))
        #expect(!harness.observer.started.contains(job.id), "the job ran a fourth time")
        let env = try harness.environment()
        #expect(env.status == .failed)
        #expect(env.lastError == reason)
        let report = try harness.observer.report(job.id)
        #expect(report.outcome == .failed)
        #expect(report.failure == reason)
        let show = runEnv(["show", "staging", "--work-dir", harness.work.path])
        #expect(show.out.contains("status     failed: gave up after 3 attempts"), "\(show.out)")
    }

    @Test("a step printing 1 GiB keeps a bounded log with its head, its tail and the cut marked")
    func hugeStepOutputIsCapped() throws {
        var files = RunnerHarness.files
        files["big.sh"] = """
        echo BEGIN-OF-OUTPUT
        head -c 1G /dev/zero | tr '\\0' 'x'
        echo
        echo END-OF-OUTPUT
        mkdir -p dist && echo built > dist/app.txt
        """
        files["environments/staging.yaml"] = RunnerHarness.spec(build: "sh big.sh", buildTimeout: "5m")
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        let limit = 1 << 20
        harness.startService { $0.stepOutputLimit = limit }
        let job = try harness.enqueueDeploy(try harness.git.head("main"))
        let done = try harness.finished(job.id, timeout: 300)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        let path = harness.work.child("envs/staging/logs/\(job.id)-build-1.log")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size <= limit + 4096, "the log holds \(size) bytes")
        let log = try String(contentsOfFile: path, encoding: .utf8)
        #expect(log.contains("BEGIN-OF-OUTPUT"))
        #expect(log.contains("END-OF-OUTPUT"))
        let cut = try #require(log.firstMatch(of: /\[slipway\] … ([0-9]+) bytes cut …/))
        #expect(Int(cut.1)! > (1 << 30) - limit)
        #expect(!FileManager.default.fileExists(atPath: path + ".tail"))
    }

    @Test("symlinked, FIFO and oversized lock files and artifacts are never followed, waited on or read whole")
    func hostileLockFiles() throws {
        var files = RunnerHarness.files
        files["hostile.sh"] = """
        set -e
        ln -s /dev/zero yarn.lock
        mkfifo pnpm-lock.yaml
        ln -s / escape
        mkdir -p sub && ln -s /etc/hostname sub/Cargo.lock
        head -c 2048 /dev/zero > Gemfile.lock
        sh build.sh
        """
        files["environments/staging.yaml"] = RunnerHarness.spec(build: "sh hostile.sh")
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        harness.startService { $0.hashLimit = 1024 }
        let job = try harness.enqueueDeploy(try harness.git.head("main"))
        let done = try harness.finished(job.id)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        let report = try harness.observer.report(job.id)
        #expect(report.lockFiles["yarn.lock"] == "not hashed: a symbolic link")
        #expect(report.lockFiles["sub/Cargo.lock"] == "not hashed: a symbolic link")
        #expect(report.lockFiles["pnpm-lock.yaml"] == "not hashed: not a regular file")
        #expect(report.lockFiles["Gemfile.lock"] == "not hashed: too large (2048 bytes; the limit is 1024)")
        #expect(report.lockFiles["package-lock.json"]?.count == 64)
        #expect(!report.lockFiles.keys.contains { $0.hasPrefix("escape/") }, "the walk followed a symlinked directory")

        // A declared artifact that is a symlink to a host file fails the build.
        let linked = try harness.commit(["hostile.sh": "set -e\nsh build.sh\nrm dist/app.txt\nln -s /etc/hostname dist/app.txt\n"])
        let second = try harness.finished(try harness.enqueueDeploy(linked).id)
        #expect(second.status == .failed)
        #expect(second.error == "the declared artifact dist/app.txt is a symbolic link; artifacts must be regular files")
    }

    @Test("each deploy starts a new app log; the previous one is kept as app.log.1")
    func appLogPerDeploy() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        harness.startService()
        let first = try harness.git.head("main")
        #expect(try harness.finished(try harness.enqueueDeploy(first).id).status == .succeeded)
        let second = try harness.commit(["note.txt": "2"])
        let job = try harness.enqueueDeploy(second)
        #expect(try harness.finished(job.id).status == .succeeded)
        #expect(try harness.observer.report(job.id).steps.last?.log == "app.log")
        let current = try String(contentsOfFile: harness.work.child("envs/staging/app.log"), encoding: .utf8)
        #expect(current.contains("staging@\(second.prefix(7))"))
        #expect(!current.contains("staging@\(first.prefix(7))"), "the new deploy's log holds the old version's output")
        let previous = try String(contentsOfFile: harness.work.child("envs/staging/app.log.1"), encoding: .utf8)
        #expect(previous.contains("staging@\(first.prefix(7))"))
    }

    @Test("an orphan that left its process group (setsid) is reaped, and no exit status the runner waits for is taken")
    func setsidOrphanIsReaped() throws {
        var files = RunnerHarness.files
        files["orphan.sh"] = """
        set -e
        setsid sh -c 'echo $$ > "$HOME/orphan.pid"; while [ ! -f "$HOME/release" ]; do sleep 0.05; done' &
        while [ ! -s "$HOME/orphan.pid" ]; do sleep 0.05; done
        sh build.sh
        """
        files["environments/staging.yaml"] = RunnerHarness.spec(build: "sh orphan.sh")
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        harness.startService { $0.isolation = .none }
        let job = try harness.enqueueDeploy(try harness.git.head("main"))
        let done = try harness.finished(job.id)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        #expect(try harness.observer.report(job.id).steps.first?.exitCode == 0)
        let pid = try #require(Int32(try String(contentsOfFile: harness.work.child("envs/staging/home/orphan.pid"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        // It outlived the step and was handed to the bot (the subreaper).
        #expect(ChildReaper.stat(pid)?.parent == getpid())
        #expect(!ChildReaper.shared.isTracked(pid))
        // It exits, and is reaped: no zombie is left.
        #expect(FileManager.default.createFile(atPath: harness.work.child("envs/staging/home/release"), contents: Data()))
        try Eventually.wait(for: "the orphan \(pid) to be reaped", timeout: 15) {
            !FileManager.default.fileExists(atPath: "/proc/\(pid)")
        }
    }
}
