import Foundation
import Reconcile
@testable import Runner
import SlipwayCore
import Store
import Testing
import TestSupport

/// A fixture repository with an app (a Python HTTP server answering /healthz), a work dir, a
/// SQLite store, and runner services over them. `close()` stops everything it started.
final class RunnerHarness: @unchecked Sendable {
    static let secret = "tok_9f8e7d6c5b4a3921"

    let git: GitFixture
    let work: TemporaryDirectory
    let store: SQLiteStore
    let repository: ManagedRepository
    let observer = RecordingObserver()
    private var services: [RunnerService] = []

    /// The app: answers `/healthz` with 200 (500 when the commit's `health` file says `fail`),
    /// prints the secret it was given (the log must show it redacted), and refuses to start
    /// when `$HOME/crash` exists.
    static let app = """
    import http.server, os, sys
    if os.path.exists(os.path.join(os.environ["HOME"], "crash")):
        print("crashing on purpose", flush=True)
        sys.exit(3)
    healthy = open("health").read().strip() != "fail" if os.path.exists("health") else True
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code = (200 if healthy else 500) if self.path == "/healthz" else 200
            body = (os.environ.get("SLIPWAY_SHA", "") + "\\n").encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            print("request", self.path, os.environ.get("API_TOKEN"), flush=True)
    print("serving on", os.environ["PORT"], "with", os.environ.get("API_TOKEN"), flush=True)
    http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
    """

    static func spec(build: String = "sh build.sh", buildTimeout: String = "20s", health: String = "{ path: /healthz, timeout: 10s }",
                     extra: String = "") -> String {
        """
        kind: staging
        name: staging
        match:
          branch: main
        build:
          - run: "\(build)"
            timeout: \(buildTimeout)
        deploy:
          run: "sh serve.sh"
        health: \(health)
        env: { APP_ENV: staging }
        secrets:
          API_TOKEN: api-token
        neutralize: { mail: catch-all, crons: off, forbid: ["sk_live_*"] }
        artifacts: [dist/app.txt]
        \(extra)
        """
    }

    /// Prints the secret split across two writes (two reads on our side), checks the bot's
    /// own variables did not leak in, and produces the declared artifact.
    static let build = """
    set -e
    [ -z "$SLIPWAY_TEST_BOT_ONLY" ] || { echo "the bot's environment leaked"; exit 9; }
    echo "building $SLIPWAY_SHA for $SLIPWAY_ENV (mail $SLIPWAY_MAIL, home $HOME)"
    python3 -c 'import os, sys, time; t = os.environ["API_TOKEN"]; sys.stdout.write("token=" + t[:7]); sys.stdout.flush(); time.sleep(0.2); print(t[7:])'
    if [ -f fail ]; then echo "compiler says no"; exit 7; fi
    if [ -f slow ]; then sleep 60 & python3 -c 'import os; print(os.getpgid(0))' > "$HOME/build.pgid"; wait; fi
    if [ -f slow-once ]; then
      if [ ! -f "$HOME/slow-done" ]; then
        touch "$HOME/slow-done"; sleep 60 & python3 -c 'import os; print(os.getpgid(0))' > "$HOME/build.pgid"; wait
      elif kill -0 -"$(cat "$HOME/build.pgid")" 2>/dev/null; then
        echo "the first run of this build still runs"; exit 9
      fi
    fi
    mkdir -p dist
    echo built > dist/app.txt
    """

    static var files: [String: String] {
        [
            "environments/staging.yaml": spec(),
            "build.sh": build,
            "serve.sh": "exec python3 app.py\n",
            "app.py": app,
            "package-lock.json": "{\"lockfileVersion\": 3}\n",
            "tools/go.sum": "example.com/x v1.0.0 h1:abc=\n",
        ]
    }

    init(files: [String: String] = RunnerHarness.files) throws {
        // scripts/test.sh sets it before the process starts (setenv here races with other
        // threads spawning processes); only a bare `swift test` needs it set now.
        if getenv("SLIPWAY_TEST_BOT_ONLY") == nil { setenv("SLIPWAY_TEST_BOT_ONLY", "must-not-leak", 1) }
        git = try GitFixture()
        try git.commit("main", files)
        work = try TemporaryDirectory(prefix: "slipway-runner")
        store = try SQLiteStore(path: work.child("state.db"))
        repository = try ManagedRepository.prepare(source: git.path, workDir: work.path)
    }

    func configuration(_ adjust: (inout RunnerConfiguration) -> Void = { _ in }) -> RunnerConfiguration {
        var configuration = RunnerConfiguration(workDir: work.path)
        configuration.instance = "test-\(UUID().uuidString.prefix(6))"
        configuration.pollInterval = 0.05
        configuration.cancelPollInterval = 0.05
        configuration.killGrace = 1
        configuration.restartBackoff = 0.05
        configuration.maxRestartBackoff = 0.2
        configuration.secretSource = ["TEST_API_TOKEN": Self.secret]
        configuration.grants = GrantTable([Grant(name: "api-token", source: .env("TEST_API_TOKEN"), environments: ["preview", "staging", "production"])])
        adjust(&configuration)
        return configuration
    }

    /// A started runner service (stopped by `close()`).
    @discardableResult
    func startService(store: (any Store)? = nil, _ adjust: (inout RunnerConfiguration) -> Void = { _ in }) -> RunnerService {
        let service = RunnerService(store: store ?? self.store, repository: repository, logger: .discarding, configuration: configuration(adjust),
                                    observer: observer)
        services.append(service)
        service.start()
        return service
    }

    /// Commits `files` on main and pushes the mirror up to date; returns the SHA.
    func commit(_ files: [String: String], deleting: [String] = []) throws -> String {
        let sha = try git.commit("main", files, deleting: deleting)
        try repository.fetch()
        return sha
    }

    /// Queues a deploy of `environment` at `sha` (spec and content id read at the commit).
    @discardableResult
    func enqueueDeploy(_ sha: String, environment: String = "staging", specFile: String = "environments/staging.yaml") throws -> JobRecord {
        let resolved = try repository.withRepository { try DesiredStateReader().specs($0, at: sha) }
        guard case .specs(let specs) = resolved, let spec = specs.first(where: { $0.spec.file == specFile }) else {
            throw RunnerError("no \(specFile) at \(sha): \(resolved)")
        }
        let action = PlannedAction(kind: .create, environment: environment, environmentKind: spec.spec.kind, sha: sha,
                                   contentID: spec.contentID, specFile: specFile, reason: "test")
        return try #require(try store.enqueue([action], trigger: "test", now: Date()).first)
    }

    @discardableResult
    func enqueueTeardown(_ environment: String = "staging") throws -> JobRecord {
        try #require(try store.enqueue([PlannedAction(kind: .teardown, environment: environment, reason: "test")], trigger: "test", now: Date()).first)
    }

    /// Waits until job `id` is finished and returns it.
    func finished(_ id: Int64, timeout: Double = 20) throws -> JobRecord {
        try Eventually.value(of: "job \(id) to finish", timeout: timeout) {
            guard let job = try store.job(id: id), !job.status.isPending else { return nil }
            return job
        }
    }

    func environment(_ name: String = "staging") throws -> EnvironmentRecord {
        try #require(try store.environment(named: name))
    }

    /// GET `url` with curl's wrapper; nil when nothing answers.
    func get(_ url: String) -> (status: Int, body: String)? {
        guard let response = try? HTTPClient().send(HTTPClientRequest(url: url, connectTimeout: 1, timeout: 2)) else { return nil }
        return (response.status, response.bodyText ?? "")
    }

    func close() {
        for service in services {
            service.stop()
            service.stopApplications()
        }
        services.removeAll()
        // Anything a test left (e.g. an app started by a service that was only detached).
        for record in (try? store.environments()) ?? [] {
            if let pid = record.pid, kill(-pid, 0) == 0 { ProcessGroup(id: pid).terminate(grace: 1) }
        }
    }

    deinit { close() }
}

/// Whether a whole process group is gone.
func groupIsGone(_ pgid: Int32) -> Bool {
    kill(-pgid, 0) == -1 && errno == ESRCH
}

/// Collects what the runner tells its observer.
final class RecordingObserver: DeploymentObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var startedJobs: [Int64] = []
    private var finishedReports: [Int64: DeploymentReport] = [:]

    func jobStarted(_ job: JobRecord, environment: String) {
        lock.lock()
        startedJobs.append(job.id)
        lock.unlock()
    }

    func jobFinished(_ job: JobRecord, report: DeploymentReport) {
        lock.lock()
        finishedReports[job.id] = report
        lock.unlock()
    }

    func hasReport(_ id: Int64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return finishedReports[id] != nil
    }

    var started: [Int64] {
        lock.lock()
        defer { lock.unlock() }
        return startedJobs
    }

    func report(_ id: Int64) throws -> DeploymentReport {
        try Eventually.value(of: "the report of job \(id)") {
            lock.lock()
            defer { lock.unlock() }
            return finishedReports[id]
        }
    }
}

import HTTPClient
#if canImport(Glibc)
import Glibc
#endif
