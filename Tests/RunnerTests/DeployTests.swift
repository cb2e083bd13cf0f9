import Foundation
@testable import Runner
import SlipwayCore
import Store
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("Runner: builds, the process driver, health, supervision and teardown")
struct DeployTests {
    @Test("a queued deploy is built, started on a loopback port, health-checked and recorded")
    func successfulDeploy() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        let sha = try harness.git.head("main")
        harness.startService()
        let job = try harness.enqueueDeploy(sha)
        let done = try harness.finished(job.id)
        let report = try harness.observer.report(job.id)
        #expect(done.status == .succeeded, "\(done.error ?? "") \(report.failureLogTail)")
        #expect(harness.observer.started.contains(job.id))

        let env = try harness.environment()
        #expect(env.status == .healthy)
        #expect(env.sha == sha)
        let port = try #require(env.port)
        #expect(env.url == "http://127.0.0.1:\(port)")
        let pid = try #require(env.pid)
        #expect(ProcStat.read(pid)?.startTime == env.processStart)
        let answer = try #require(harness.get("http://127.0.0.1:\(port)/healthz"))
        #expect(answer.status == 200)
        #expect(answer.body == sha + "\n")

        #expect(report.outcome == .succeeded)
        #expect(report.url == env.url)
        #expect(report.steps.map(\.name) == ["build 1", "deploy"])
        #expect(report.steps[0].exitCode == 0)
        #expect(report.steps[0].log == "logs/\(job.id)-build-1.log")
        #expect(report.health.last?.status == 200)
        #expect(Set(report.lockFiles.keys) == ["package-lock.json", "tools/go.sum"])
        #expect(report.lockFiles["package-lock.json"]?.count == 64)
        #expect(report.artifacts.keys.sorted() == ["dist/app.txt"])
        #expect(report.neutralization.contains { $0.hasPrefix("mail: catch-all") })

        // The build ran with the explicit environment: the spec's variables, HOME per env.
        let buildLog = try String(contentsOfFile: harness.work.child("envs/staging/logs/\(job.id)-build-1.log"), encoding: .utf8)
        #expect(buildLog.contains("building \(sha) for staging (mail catch-all, home \(harness.work.path)/envs/staging/home)"))
        #expect(buildLog.contains("token=***"))
    }

    @Test("a failing build fails the job with its exit code and keeps its log")
    func failingBuild() throws {
        var files = RunnerHarness.files
        files["fail"] = "1"
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        harness.startService()
        let job = try harness.enqueueDeploy(try harness.git.head("main"))
        let done = try harness.finished(job.id)
        #expect(done.status == .failed)
        #expect(done.error == "build 1 (`sh build.sh`) exited with code 7")
        let report = try harness.observer.report(job.id)
        #expect(report.failedPhase == .build)
        #expect(report.steps.first?.exitCode == 7)
        #expect(report.failureLogTail.last == "compiler says no")
        let log = try String(contentsOfFile: harness.work.child("envs/staging/\(try #require(report.steps.first?.log))"), encoding: .utf8)
        #expect(log.contains("compiler says no"))
        let env = try harness.environment()
        #expect(env.status == .failed)
        #expect(env.lastError == done.error)
        #expect(env.pid == nil)
    }

    @Test("a build step that outlives its timeout is killed with its whole process group")
    func buildTimeout() throws {
        var files = RunnerHarness.files
        files["slow"] = "1"
        files["environments/staging.yaml"] = RunnerHarness.spec(buildTimeout: "1s")
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        // The build reports its process group id, which only the unconfined mode shows as the
        // host sees it (IsolationTests check that a sandbox leaves no process behind).
        harness.startService { $0.isolation = .none }
        let started = Date()
        let job = try harness.enqueueDeploy(try harness.git.head("main"))
        let done = try harness.finished(job.id)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(done.status == .failed)
        #expect(done.error?.contains("timed out after 1s") == true)
        let report = try harness.observer.report(job.id)
        #expect(report.steps.first?.killedBecause == "timeout")
        let pgid = try #require(Int32(try String(contentsOfFile: harness.work.child("envs/staging/home/build.pgid"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(groupIsGone(pgid), "the build's process group \(pgid) still exists")
    }

    @Test("a newer SHA cancels the running build: its process group is gone and the newer one deploys")
    func cancellationByNewerSHA() throws {
        var files = RunnerHarness.files
        files["slow"] = "1"
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        // The build reports its process group id as the host sees it: unconfined mode.
        harness.startService { $0.isolation = .none }
        let first = try harness.enqueueDeploy(try harness.git.head("main"))
        let pgidFile = harness.work.child("envs/staging/home/build.pgid")
        let pgid = try Eventually.value(of: "the slow build to start", timeout: 15) {
            (try? String(contentsOfFile: pgidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        #expect(!groupIsGone(pgid))
        let second = try harness.commit([:], deleting: ["slow"])
        let newer = try harness.enqueueDeploy(second)

        let cancelled = try harness.finished(first.id)
        #expect(cancelled.status == .cancelled)
        #expect(groupIsGone(pgid), "the cancelled build's process group \(pgid) still exists")
        #expect(try harness.observer.report(first.id).outcome == .cancelled)
        #expect(try harness.observer.report(first.id).steps.first?.killedBecause == "cancelled")

        let done = try harness.finished(newer.id)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        let env = try harness.environment()
        #expect(env.sha == second)
        #expect(env.status == .healthy)
    }

    @Test("a failing health check fails the deploy and keeps the previous version serving")
    func failingHealthKeepsOldVersion() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        harness.startService()
        let good = try harness.git.head("main")
        #expect(try harness.finished(try harness.enqueueDeploy(good).id).status == .succeeded)
        let before = try harness.environment()

        let bad = try harness.commit(["health": "fail", "environments/staging.yaml": RunnerHarness.spec(health: "{ path: /healthz, timeout: 2s }")])
        let job = try harness.enqueueDeploy(bad)
        let done = try harness.finished(job.id)
        #expect(done.status == .failed)
        let report = try harness.observer.report(job.id)
        #expect(report.failedPhase == .health)
        #expect(report.health.count >= 2)
        #expect(report.health.allSatisfy { $0.status == 500 || $0.error != nil })
        #expect(report.failure?.contains("no 2xx") == true)

        // The old version still serves, on its port, as the same process.
        let env = try harness.environment()
        #expect(env.status == .failed)
        #expect(env.sha == bad)
        #expect(env.pid == before.pid)
        #expect(env.port == before.port)
        let oldPort = try #require(before.port)
        let answer = try #require(harness.get("http://127.0.0.1:\(oldPort)/healthz"))
        #expect(answer.status == 200)
        #expect(answer.body == good + "\n")

        // And a good version replaces it once healthy: the old process group goes.
        let fixed = try harness.commit(["health": "ok"])
        #expect(try harness.finished(try harness.enqueueDeploy(fixed).id).status == .succeeded)
        let after = try harness.environment()
        #expect(after.port != before.port)
        let oldPID = try #require(before.pid)
        let newPort = try #require(after.port)
        // The old version is stopped in the background once the new one serves.
        try Eventually.wait(for: "the old process group to be gone", timeout: 15) { groupIsGone(oldPID) }
        #expect(harness.get("http://127.0.0.1:\(newPort)/healthz")?.body == fixed + "\n")
    }

    @Test("a crashed app is restarted with backoff, and the environment fails after the restart limit")
    func crashAndRestart() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        let service = harness.startService { $0.restartLimit = 2 }
        #expect(try harness.finished(try harness.enqueueDeploy(try harness.git.head("main")).id).status == .succeeded)
        let first = try harness.environment()
        let firstPID = try #require(first.pid)
        kill(firstPID, SIGKILL)
        let restarted = try Eventually.value(of: "the app to be restarted", timeout: 10) { () -> EnvironmentRecord? in
            let env = try harness.environment()
            return env.pid != firstPID && env.pid != nil ? env : nil
        }
        #expect(restarted.status == .healthy)
        #expect(service.supervisedApp("staging")?.pid == restarted.pid)
        try Eventually.wait(for: "the restarted app to answer") { harness.get("http://127.0.0.1:\(first.port!)/healthz")?.status == 200 }
        let log = try String(contentsOfFile: harness.work.child("envs/staging/app.log"), encoding: .utf8)
        #expect(log.contains("restarted as pid \(restarted.pid!)"))

        // Now it cannot start any more: after two restarts the environment is failed.
        #expect(FileManager.default.createFile(atPath: harness.work.child("envs/staging/home/crash"), contents: Data()))
        kill(try #require(restarted.pid), SIGKILL)
        let failed = try Eventually.value(of: "the environment to fail", timeout: 10) { () -> EnvironmentRecord? in
            let env = try harness.environment()
            return env.status == .failed ? env : nil
        }
        #expect(failed.lastError?.contains("gave up after 2 restarts") == true)
        #expect(failed.pid == nil)
        #expect(service.supervisedApp("staging") == nil)
    }

    @Test("teardown stops the process group, frees the port and removes the work directory")
    func teardown() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        let service = harness.startService()
        #expect(try harness.finished(try harness.enqueueDeploy(try harness.git.head("main")).id).status == .succeeded)
        let env = try harness.environment()
        let (pid, port) = (try #require(env.pid), try #require(env.port))

        let job = try harness.enqueueTeardown()
        #expect(try harness.finished(job.id).status == .succeeded)
        #expect(groupIsGone(pid))
        #expect(harness.get("http://127.0.0.1:\(port)/healthz") == nil)
        #expect(!FileManager.default.fileExists(atPath: harness.work.child("envs/staging")))
        let record = try harness.environment()
        #expect(record.status == .tornDown)
        #expect(record.pid == nil && record.port == nil && record.url == nil)
        #expect(service.supervisedApp("staging") == nil)
        #expect(try harness.observer.report(job.id).outcome == .succeeded)
    }

    @Test("a restarted bot adopts the running app (same pid and start time) and supervises it again")
    func adoptionAfterRestart() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        let first = harness.startService()
        #expect(try harness.finished(try harness.enqueueDeploy(try harness.git.head("main")).id).status == .succeeded)
        let env = try harness.environment()
        let pid = try #require(env.pid)
        first.stop()  // the bot stops; the app keeps running
        #expect(ProcStat.matches(pid: pid, startTime: env.processStart!))
        #expect(harness.get("http://127.0.0.1:\(env.port!)/healthz")?.status == 200)

        let second = harness.startService()
        #expect(second.supervisedApp("staging")?.pid == pid)
        #expect(try harness.environment().pid == pid)  // not started twice
        #expect(harness.get("http://127.0.0.1:\(env.port!)/healthz")?.status == 200)

        // Supervised again: a crash is noticed through /proc and the app restarted.
        kill(pid, SIGKILL)
        let restarted = try Eventually.value(of: "the adopted app to be restarted", timeout: 10) { () -> Int32? in
            let now = try harness.environment().pid
            return now != pid ? now : nil
        }
        try Eventually.wait(for: "the restarted app to answer") { harness.get("http://127.0.0.1:\(env.port!)/healthz")?.status == 200 }
        #expect(second.supervisedApp("staging")?.pid == restarted)
    }

    @Test("an app that died while the bot was down is started again at the next start")
    func restartAfterDeathWhileDown() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        let first = harness.startService()
        #expect(try harness.finished(try harness.enqueueDeploy(try harness.git.head("main")).id).status == .succeeded)
        let env = try harness.environment()
        first.stop()
        ProcessGroup(id: env.pid!).terminate(grace: 1)

        let second = harness.startService()
        let now = try harness.environment()
        #expect(now.pid != env.pid)
        #expect(second.supervisedApp("staging")?.pid == now.pid)
        try Eventually.wait(for: "the app to answer again") { harness.get("http://127.0.0.1:\(now.port!)/healthz")?.status == 200 }
    }

    @Test("a secret given to the spec appears in no file under the work dir")
    func secretNeverWritten() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        harness.startService()
        let job = try harness.enqueueDeploy(try harness.git.head("main"))
        #expect(try harness.finished(job.id).status == .succeeded)
        let port = try #require(try harness.environment().port)
        #expect(harness.get("http://127.0.0.1:\(port)/healthz")?.status == 200)
        let appLog = harness.work.child("envs/staging/app.log")
        try Eventually.wait(for: "the app's request log line") {
            (try? String(contentsOfFile: appLog, encoding: .utf8))?.contains("request /healthz ***") == true
        }
        #expect(try String(contentsOfFile: appLog, encoding: .utf8).contains("with ***"))

        let needle = Data(RunnerHarness.secret.utf8)
        var checked = 0
        let walker = try #require(FileManager.default.enumerator(atPath: harness.work.path))
        for case let relative as String in walker {
            let path = harness.work.child(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  !relative.hasSuffix(".fifo") else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(data.range(of: needle) == nil, "the secret is in \(relative)")
            checked += 1
        }
        #expect(checked > 5)
    }

    @Test("a secret matching neutralize.forbid stops the deploy before anything runs")
    func forbiddenSecret() throws {
        let harness = try RunnerHarness()
        defer { harness.close() }
        harness.startService { $0.secretSource = ["TEST_API_TOKEN": "sk_live_0123456789"] }
        let job = try harness.enqueueDeploy(try harness.git.head("main"))
        let done = try harness.finished(job.id)
        #expect(done.status == .failed)
        #expect(done.error == "secret API_TOKEN matches the forbidden pattern 'sk_live_*' in neutralize.forbid (a production value in a staging environment?); nothing runs")
        let report = try harness.observer.report(job.id)
        #expect(report.failedPhase == .neutralization)
        #expect(report.steps.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: harness.work.child("envs/staging/logs/\(job.id)-build-1.log")))
        #expect(try harness.environment().status == .failed)
    }
}
