import Foundation
import Reconcile
@testable import Runner
import SlipwayCore
import Store
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Builds and apps of previews run through the real runner in sandboxes (bubblewrap, as root),
/// and the test looks from the host (`/proc`, the files they write in their home).
@Suite("Runner: environments are isolated from the bot and from each other", .serialized)
struct IsolationTests {
    static let spec = """
    kind: preview
    name: "pr-{{pr.number}}"
    match:
      pull_request: { base: main }
    build:
      - run: "sh build.sh"
        timeout: 30s
    deploy:
      run: "sh serve.sh"
    health: { path: /healthz, timeout: 15s }
    secrets:
      API_TOKEN: api-token
    neutralize: { mail: off, crons: off }
    limits: { processes: 100, open_files: 200, file_size: 64m }
    """

    /// Records who the build runs as and its limits, leaves a daemon behind (`setsid` in a
    /// double fork, which must not survive the step), and runs `probe.sh` when there is one.
    static let build = """
    set -e
    id -u > "$HOME/uid"
    id -G > "$HOME/groups"
    python3 -c 'import resource as r; print(r.getrlimit(r.RLIMIT_NOFILE)[0], r.getrlimit(r.RLIMIT_NPROC)[0], r.getrlimit(r.RLIMIT_FSIZE)[0])' > "$HOME/limits"
    ulimit -n > "$HOME/ulimit-n"
    grep NoNewPrivs /proc/self/status > "$HOME/nnp"
    { wc -c < /etc/shadow || echo unreadable; } > "$HOME/shadow" 2>/dev/null
    sh -c '(setsid sleep 1001 &) &'
    if [ -f probe.sh ]; then sh probe.sh; fi
    """

    static var files: [String: String] {
        [
            "environments/preview.yaml": spec,
            "build.sh": build,
            // The app leaves a daemon of its own behind, which must end at teardown.
            "serve.sh": "sh -c '(setsid sleep 1002 &) &'\nexec python3 app.py\n",
            "app.py": RunnerHarness.app,
        ]
    }

    /// Tries to read what belongs to the bot and to another environment; for each attempt
    /// writes `<name>.status` (ok or failed) and `<name>.out` (what it could read) under `$HOME/probe/`.
    static func probe(botPID: Int32, work: String, otherCheckout: String, otherHome: String, otherPIDs: [Int32]) -> String {
        var lines = [
            "out=\"$HOME/probe\"; rm -rf \"$out\"; mkdir -p \"$out\"",
            "attempt() { name=$1; shift; if \"$@\" > \"$out/$name.out\" 2> \"$out/$name.err\"; then echo ok > \"$out/$name.status\"; else echo failed > \"$out/$name.status\"; fi; }",
            "attempt bot-environ cat /proc/\(botPID)/environ",
            "attempt bot-token cat '\(work)/token'",
            "attempt bot-store cat '\(work)/state.db'",
            "attempt bot-workdir ls -A '\(work)'",
            "attempt bot-envs ls -A '\(work)/envs'",
            "attempt other-checkout ls -A '\(otherCheckout)'",
            "attempt other-home cat '\(otherHome)/uid'",
        ]
        for pid in otherPIDs {
            lines.append("attempt other-app-environ-\(pid) cat /proc/\(pid)/environ")
            lines.append("attempt other-app-signal-\(pid) kill -0 \(pid)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func enqueuePreview(_ harness: RunnerHarness, sha: String, number: Int) throws -> JobRecord {
        let resolved = try harness.repository.withRepository { try DesiredStateReader().specs($0, at: sha) }
        guard case .specs(let specs) = resolved, let spec = specs.first(where: { $0.spec.file == "environments/preview.yaml" }) else {
            throw RunnerError("no preview spec at \(sha): \(resolved)")
        }
        let action = PlannedAction(kind: .create, environment: "pr-\(number)", environmentKind: .preview, pullRequest: number, sha: sha,
                                   contentID: spec.contentID, specFile: "environments/preview.yaml", reason: "test")
        return try #require(try harness.store.enqueue([action], trigger: "test", now: Date()).first)
    }

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func requireIsolation() throws {
        let capability = Isolation.probe()
        try #require(capability.available, "these tests need root and bubblewrap (scripts/install-deps.sh): \(capability.reason)")
    }

    @Test("a sandboxed build reads nothing of the bot's (environ, token, store, work dir) nor of another environment (checkout, app environ, signals)")
    func buildSeesNothingOfTheBotOrOthers() throws {
        try Self.requireIsolation()
        let harness = try RunnerHarness(files: Self.files)
        defer { harness.close() }
        try "tok-bot-only-4711\n".write(toFile: harness.work.child("token"), atomically: true, encoding: .utf8)
        harness.startService()

        // Environment A: built and serving.
        let first = try Self.enqueuePreview(harness, sha: try harness.git.head("main"), number: 1)
        let a = try harness.finished(first.id, timeout: 40)
        #expect(a.status == .succeeded, "\(a.error ?? "")")
        let homeA = harness.work.child("envs/pr-1/home")
        let uidA = try #require(UInt32(try Self.read(homeA + "/uid")))
        let appPIDs = ProcessTable.processes(uid: uidA).map(\.pid)
        #expect(!appPIDs.isEmpty, "environment A's app runs as its uid \(uidA)")
        // Its secret is in its environment (it needs it), never on a command line.
        let outer = try #require(try harness.environment("pr-1").pid)
        for pid in appPIDs + [outer] {
            #expect(!ProcessTable.commandLine(pid).contains(RunnerHarness.secret), "the secret is on the command line of \(pid)")
        }
        #expect(ProcessTable.environment(appPIDs.last ?? 0).contains(RunnerHarness.secret), "the app got its secret through its environment")

        // Environment B probes the bot and A.
        let probe = Self.probe(botPID: getpid(), work: harness.work.path, otherCheckout: harness.work.child("envs/pr-1/checkout-a"),
                               otherHome: homeA, otherPIDs: appPIDs)
        let sha = try harness.commit(["probe.sh": probe])
        let second = try Self.enqueuePreview(harness, sha: sha, number: 2)
        let b = try harness.finished(second.id, timeout: 40)
        #expect(b.status == .succeeded, "\(b.error ?? "")")
        let results = harness.work.child("envs/pr-2/home/probe")
        var attempts = ["bot-environ", "bot-token", "bot-store", "other-checkout", "other-home"]
        for pid in appPIDs { attempts += ["other-app-environ-\(pid)", "other-app-signal-\(pid)"] }
        for name in attempts {
            #expect(try Self.read("\(results)/\(name).status") == "failed", "\(name) succeeded from environment B")
            #expect(try Self.read("\(results)/\(name).out").isEmpty, "\(name) read something")
        }
        // Of the work dir, B sees only the path to its own directories: no store, mirror, token,
        // logs or other environment.
        #expect(try Self.read("\(results)/bot-workdir.out") == "envs")
        #expect(try Self.read("\(results)/bot-envs.out") == "pr-2")
        // What the failures say: absent from B's view (not merely refused).
        #expect(try Self.read("\(results)/bot-token.err").contains("No such file or directory"))
        #expect(try Self.read("\(results)/other-checkout.err").contains("No such file or directory"))

        // Own uids: not the bot's, not A's, kept in the store; no supplementary groups, no_new_privs.
        let uidB = try #require(UInt32(try Self.read(harness.work.child("envs/pr-2/home/uid"))))
        #expect(uidA != getuid() && uidB != getuid() && uidA != uidB)
        #expect((200_000..<210_000).contains(uidA) && (200_000..<210_000).contains(uidB))
        #expect(try Self.read(harness.work.child("envs/pr-2/home/groups")) == "\(uidB)")
        #expect(try Self.read(harness.work.child("envs/pr-2/home/nnp")).hasSuffix("1"))
        // /etc is there, with its sensitive files emptied.
        #expect(try Self.read(harness.work.child("envs/pr-2/home/shadow")) == "0")
        #expect(try harness.store.value(forKey: "isolation-uid:pr-1") == "\(uidA)")
        #expect(try harness.store.value(forKey: "isolation-uid:pr-2") == "\(uidB)")
    }

    @Test("a daemon left by a build dies with the step; one left by the app dies at teardown; the uid is released")
    func nothingOutlivesItsEnvironment() throws {
        try Self.requireIsolation()
        let harness = try RunnerHarness(files: Self.files)
        defer { harness.close() }
        harness.startService()
        let job = try Self.enqueuePreview(harness, sha: try harness.git.head("main"), number: 7)
        let done = try harness.finished(job.id, timeout: 40)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        let uid = try #require(UInt32(try Self.read(harness.work.child("envs/pr-7/home/uid"))))
        let running = ProcessTable.processes(uid: uid)
        #expect(!running.contains { $0.command.contains("sleep 1001") }, "the build's daemon outlived the step: \(running)")
        #expect(running.contains { $0.command.contains("sleep 1002") }, "the app's daemon runs while the app does: \(running)")

        let teardown = try harness.enqueueTeardown("pr-7")
        #expect(try harness.finished(teardown.id).status == .succeeded)
        let left = ProcessTable.processes(uid: uid)
        #expect(left.isEmpty, "processes of uid \(uid) outlived the environment: \(left)")
        #expect(try harness.store.value(forKey: "isolation-uid:pr-7") == nil)
    }

    @Test("a sandboxed build that times out is stopped with everything it started, daemons included")
    func timeoutStopsTheSandbox() throws {
        try Self.requireIsolation()
        var files = Self.files
        files["environments/preview.yaml"] = Self.spec.replacingOccurrences(of: "timeout: 30s", with: "timeout: 2s")
        files["build.sh"] = "id -u > \"$HOME/uid\"\nsh -c '(setsid sleep 1003 &) &'\nsleep 60\n"
        let harness = try RunnerHarness(files: files)
        defer { harness.close() }
        harness.startService()
        let job = try Self.enqueuePreview(harness, sha: try harness.git.head("main"), number: 8)
        let done = try harness.finished(job.id, timeout: 40)
        #expect(done.status == .failed)
        #expect(done.error?.contains("timed out after 2s") == true)
        let uid = try #require(UInt32(try Self.read(harness.work.child("envs/pr-8/home/uid"))))
        let left = ProcessTable.processes(uid: uid)
        #expect(left.isEmpty, "processes of uid \(uid) outlived the timed-out step: \(left)")
    }

    @Test("the spec's limits apply inside the sandbox, capped by the runner's maximum")
    func limitsApply() throws {
        try Self.requireIsolation()
        let harness = try RunnerHarness(files: Self.files)
        defer { harness.close() }
        harness.startService { $0.maximumLimits.openFiles = 150 }
        let job = try Self.enqueuePreview(harness, sha: try harness.git.head("main"), number: 3)
        let done = try harness.finished(job.id, timeout: 40)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        // open_files 200 asked, 150 allowed; processes 100; file_size 64m.
        #expect(try Self.read(harness.work.child("envs/pr-3/home/limits")) == "150 100 \(64 << 20)")
        #expect(try Self.read(harness.work.child("envs/pr-3/home/ulimit-n")) == "150")
    }

    @Test("a restarted bot keeps the environment's uid and adopts its sandboxed app")
    func uidSurvivesRestart() throws {
        try Self.requireIsolation()
        let harness = try RunnerHarness(files: Self.files)
        defer { harness.close() }
        let first = harness.startService()
        let job = try Self.enqueuePreview(harness, sha: try harness.git.head("main"), number: 4)
        #expect(try harness.finished(job.id, timeout: 40).status == .succeeded)
        let uid = try Self.read(harness.work.child("envs/pr-4/home/uid"))
        let pid = try #require(try harness.environment("pr-4").pid)
        first.stop()
        let second = harness.startService()
        #expect(second.supervisedApp("pr-4")?.pid == pid)
        let again = try Self.enqueuePreview(harness, sha: try harness.commit(["again": "1"]), number: 4)
        #expect(try harness.finished(again.id, timeout: 40).status == .succeeded)
        #expect(try Self.read(harness.work.child("envs/pr-4/home/uid")) == uid)
    }

    @Test("unconfined mode (--isolation none) runs as the bot, as before: the same probe reads the bot's token; restarts adopt")
    func unconfinedModeReadsEverything() throws {
        let harness = try RunnerHarness(files: Self.files)
        defer { harness.close() }
        try "tok-bot-only-4711\n".write(toFile: harness.work.child("token"), atomically: true, encoding: .utf8)
        let probe = Self.probe(botPID: getpid(), work: harness.work.path, otherCheckout: "/nonexistent", otherHome: "/nonexistent", otherPIDs: [])
        let sha = try harness.commit(["probe.sh": probe])
        let first = harness.startService { $0.isolation = .none }
        let job = try Self.enqueuePreview(harness, sha: sha, number: 5)
        let done = try harness.finished(job.id, timeout: 40)
        #expect(done.status == .succeeded, "\(done.error ?? "")")
        let results = harness.work.child("envs/pr-5/home/probe")
        #expect(try Self.read("\(results)/bot-token.status") == "ok")
        #expect(try Self.read("\(results)/bot-token.out") == "tok-bot-only-4711")
        #expect(try Self.read(harness.work.child("envs/pr-5/home/uid")) == "\(getuid())")
        #expect(try harness.store.value(forKey: "isolation-uid:pr-5") == nil)
        // A restarted unconfined bot adopts the app as before.
        let pid = try #require(try harness.environment("pr-5").pid)
        first.stop()
        let second = harness.startService { $0.isolation = .none }
        #expect(second.supervisedApp("pr-5")?.pid == pid)
    }

    @Test("on a host that cannot isolate, a preview is refused with what to install and the opt-out; nothing runs")
    func previewRefusedWithoutIsolation() throws {
        let harness = try RunnerHarness(files: Self.files)
        defer { harness.close() }
        let reason = "environments cannot be isolated: bwrap (Debian package bubblewrap) not installed; install it (scripts/install-deps.sh), or run with --isolation none to run builds and apps unconfined as the bot's user"
        harness.startService { $0.isolationProbe = { IsolationCapability(available: false, reason: reason) } }
        let job = try Self.enqueuePreview(harness, sha: try harness.git.head("main"), number: 6)
        let done = try harness.finished(job.id)
        #expect(done.status == .failed)
        #expect(done.error == "refusing to build a preview unconfined: \(reason)")
        #expect(try harness.observer.report(job.id).steps.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: harness.work.child("envs/pr-6/home/uid")))
    }

    @Test("the probe finds this host able to isolate, and the bot can make itself non-dumpable")
    func probeAndNonDumpable() throws {
        let capability = Isolation.probe()
        #expect(capability.available, "\(capability.reason)")
        try Isolation.makeBotNonDumpable()
        #expect(!Isolation.isBotDumpable)
    }
}

/// The host's processes, read from `/proc`.
enum ProcessTable {
    struct Entry: CustomStringConvertible {
        var pid: Int32
        var command: String
        var description: String { "\(pid) \(command)" }
    }

    /// Live processes whose real uid is `uid` (zombies excluded).
    static func processes(uid: UInt32) -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.sorted().compactMap { pid in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
            let fields = Dictionary(status.split(separator: "\n").compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }, uniquingKeysWith: { first, _ in first })
            guard fields["Uid"]?.split(separator: "\t").first == "\(uid)", fields["State"]?.hasPrefix("Z") == false else { return nil }
            return Entry(pid: pid, command: commandLine(pid))
        }
    }

    static func commandLine(_ pid: Int32) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }

    static func environment(_ pid: Int32) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
        return String(decoding: data.map { $0 == 0 ? 10 : $0 }, as: UTF8.self)
    }
}
