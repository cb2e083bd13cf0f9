import CommandLineKit
import Demo
import Foundation
import Runner
import SlipwayCLI
import SlipwayCore
import Store

/// One demo run, printing as it goes.
final class DemoRun: @unchecked Sendable {
    let example: String
    let directory: String
    let io: CommandIO
    private let lock = NSLock()
    private var scenario: DemoScenario?
    private var printedLogLines: [String: Int] = [:]

    init(example: String, directory: String, io: CommandIO) {
        self.example = example
        self.directory = directory
        self.io = io
    }

    func say(_ text: String) { io.out.write(text + "\n") }

    func stop() {
        lock.lock()
        let running = scenario
        lock.unlock()
        running?.shutdown()
    }

    func run() -> Int32 {
        let started = Date()
        say("Slipway demo: the full loop on the embedded default (SQLite store, process driver, fake GitHub)")
        let scenario: DemoScenario
        do {
            scenario = try DemoScenario(exampleDirectory: example, directory: directory, logger: .discarding, withDatabases: true)
        } catch {
            io.err.write("error: cannot start the demo: \(error)\n")
            return 1
        }
        lock.lock()
        self.scenario = scenario
        lock.unlock()
        say("  repository   \(scenario.repository.path) (bare, made from \(example))")
        say("  bot          http://127.0.0.1:\(scenario.bot.port)\(scenario.bot.configuration.webhookPath) (webhooks are HMAC-signed)")
        say("  fake GitHub  \(scenario.forge.baseURL) (keeps the PR comment and commit statuses)")
        say("  grants       payments-test -> previews and staging (the operator's configuration; specs only name it)")
        say("  isolation    \(scenario.isolationNote)")
        if let database = scenario.database, let snapshot = scenario.snapshot {
            say("  database     a throwaway PostgreSQL on 127.0.0.1:\(database.cluster.port); production is its 'shop' database")
            say("  snapshot     \(snapshot.name): \(snapshot.rules.count) sanitize rules from main's specs, verify \(snapshot.verify.allSatisfy(\.passed) ? "passed" : "FAILED"), scan of \(snapshot.scan.columnsScanned) text columns \(snapshot.scan.passed ? "passed" : "FAILED")")
        }
        do {
            try steps(scenario)
        } catch {
            io.err.write("error: \(error)\n")
            io.err.write("logs: slipway env logs <env> --work-dir \(directory)/bot\n")
            scenario.shutdown()
            return 1
        }
        scenario.shutdown()
        say("")
        say(String(format: "Done in %.0f s. Everything the demo started is stopped; its files stay in %@", Date().timeIntervalSince(started), directory))
        say("Look at:")
        say("  git -C \(scenario.repository.path) log --oneline --stat slipway/evidence   # deployment evidence")
        say("  git -C \(scenario.repository.path) log --oneline main                      # docs commits by slipway[bot]")
        say("  git -C \(scenario.repository.path) show main:docs/llm/overview.md           # generated LLM docs")
        say("  slipway deliveries list --work-dir \(directory)/bot                          # the webhook journal")
        say("  slipway env list --work-dir \(directory)/bot")
        say("")
        say("The demo serves environments on loop-back ports with the process driver. On a server, turn on")
        say("  public URLs:  serve --router caddy --preview-domain preview.example.com --tls acme   (docs/routing.md)")
        say("  containers:   deploy: { driver: container, build: { dockerfile: Dockerfile }, port: 8080 } in a spec,")
        say("                with a Docker Engine at --docker-host (docs/docker.md)")
        say("  the dashboard: serve --api-token-file FILE, then `slipway dashboard link` (docs/api.md)")
        return 0
    }

    func steps(_ s: DemoScenario) throws {
        say("")
        say("[1/6] main -> staging (the bot reconciles from git at start)")
        let main = try s.repository.head("main")
        try check(s, s.waitFor("staging", .healthy, sha: main, progress: progress(s)))

        say("")
        say("[2/6] PR #1 opened -> preview pr-1")
        let first = try s.openPullRequest(1, branch: "greeting", greeting: "Hello from PR #1")
        try check(s, s.waitFor("pr-1", .healthy, sha: first, progress: progress(s)))
        let comment = try s.waitForComment(on: 1) { $0.contains(String(first.prefix(7))) && $0.lowercased().contains("healthy") }
        say("   PR comment (one sticky comment, updated in place):")
        for line in comment.split(separator: "\n", omittingEmptySubsequences: false) { say("   | \(line)") }
        if let status = s.forge.statuses(sha: first).last {
            say("   commit status \(status.context): \(status.state) \(status.targetURL ?? "")")
        }

        say("")
        say("[3/6] new push to PR #1 -> pr-1 rebuilt, the same comment updated")
        let second = try s.pushToPullRequest(1, branch: "greeting", greeting: "Hello again from PR #1")
        try check(s, s.waitFor("pr-1", .healthy, sha: second, progress: progress(s)))
        _ = try s.waitForComment(on: 1) { $0.contains(String(second.prefix(7))) }
        say("   comments on PR #1: \(s.forge.comments(onIssue: 1).count)")

        say("")
        say("[4/6] PR #1 merged -> pr-1 torn down, staging redeployed at the merge, docs regenerated")
        let merged = try s.mergePullRequest(1, branch: "greeting")
        try s.waitFor("pr-1", .tornDown, progress: progress(s))
        try check(s, s.waitFor("staging", .healthy, sha: merged, progress: progress(s)))
        _ = try s.waitForComment(on: 1) { $0.lowercased().contains("torn down") }
        say("   PR comment now says: torn down")
        let docs = try s.waitForDocsCommit()
        say("   docs/llm/ committed on main by the bot in \(docs.prefix(7)) (regenerated after each staging deploy, committed only")
        say("   when a byte changes; the bot's commits plan no deploy)")

        say("")
        say("[5/6] promotion: the bot keeps a PR open from main into production; @octocat (an approver) labels it 'promote'")
        let promotion = try s.waitForPromotionPullRequest()
        say("   PR #\(promotion.number): \(promotion.title)")
        let shipped = try s.approvePromotion(promotion, by: "octocat")
        say("   the bot fast-forwarded 'production' to \(shipped.prefix(7)) (never forced); production deploys exactly that commit")
        try check(s, s.waitFor("production", .healthy, sha: shipped, progress: progress(s)))
        if let approved = try s.store.approvedPromotions()["production"] {
            say("   approved by \(approved.approvers.map { "@\($0)" }.joined(separator: ", ")); gates: \(approved.gates.map { "\($0.name) \($0.state.rawValue)" }.joined(separator: ", "))")
        }
        if let deployment = s.forge.deployments(environment: "production").first {
            say("   GitHub Deployment \(deployment.id): \(s.forge.deploymentStatuses(id: deployment.id).map(\.state).joined(separator: " -> "))")
        }

        say("")
        say("[6/6] rollback: `slipway env rollback staging` redeploys the version before the merge and pins it; `env unpin` lifts the pin")
        let work = directory + "/bot"
        try waitForEvidence(s, environment: "staging", sha: main)
        say("   $ slipway env rollback staging --reason demo")
        let rollback = capture(["env", "rollback", "staging", "--work-dir", work, "--repo", s.repository.path, "--reason", "demo"])
        for line in rollback.split(separator: "\n") { say("     \(line)") }
        try check(s, s.waitFor("staging", .healthy, sha: main, progress: progress(s)))
        try s.tick()
        say("   a reconcile leaves it there: staging runs \(try s.store.environment(named: "staging")?.sha.prefix(7) ?? "?") (pinned)")
        say("   $ slipway env unpin staging")
        for line in capture(["env", "unpin", "staging", "--work-dir", work]).split(separator: "\n") { say("     \(line)") }
        try s.tick()
        try check(s, s.waitFor("staging", .healthy, sha: try s.repository.head("main"), progress: progress(s)))
    }

    /// Runs a `slipway` command in-process and returns what it printed.
    func capture(_ arguments: [String]) -> String {
        let out = BufferedOutputSink()
        _ = SlipwayCLI.run(arguments: arguments, io: CommandIO(out: out, err: out))
        return out.text
    }

    /// Waits until the evidence of a healthy deploy of `environment` at `sha` is indexed.
    func waitForEvidence(_ s: DemoScenario, environment: String, sha: String) throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try s.store.evidence(environment: environment, limit: 50).contains(where: { $0.sha == sha && $0.outcome == "succeeded" }) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw DemoError("timed out waiting for the evidence of \(environment) at \(sha.prefix(7))")
    }

    /// Prints each status change and the build log as it grows.
    func progress(_ s: DemoScenario) -> (String) -> Void {
        { [self] line in
            say("   \(line)")
            guard let env = line.split(separator: ":").first.map(String.init) else { return }
            let logs = EnvironmentLogs(workDir: directory + "/bot", environment: env).latestJobLogs
            for path in logs where path.contains("build") {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
                let lines = text.split(separator: "\n")
                let seen = printedLogLines[path] ?? 0
                for logLine in lines.dropFirst(seen) { say("     build | \(logLine)") }
                printedLogLines[path] = lines.count
            }
        }
    }

    /// Checks the environment answers on its URL.
    func check(_ s: DemoScenario, _ env: EnvironmentRecord) throws {
        guard let url = env.url else { throw DemoError("\(env.name) has no URL") }
        let (status, body) = try s.fetch(url)
        let heading = body.split(separator: "\n").first { $0.contains("<h1>") }.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let payments = body.split(separator: "\n").first { $0.contains("Payments:") }.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        say("   \(env.name) answers at \(url): HTTP \(status) \(heading) \(payments)")
        guard status == 200 else { throw DemoError("\(env.name) answered HTTP \(status) at \(url)") }
        // Its own database: the first customer as this environment sees it (production has
        // "\(DemoDatabase.customers[0].0) <\(DemoDatabase.customers[0].1)>").
        if s.database != nil, env.kind != .production {
            let (customerStatus, customer) = try s.fetch(url.hasSuffix("/") ? url + "customer" : url + "/customer")
            say("   \(env.name)/customer from its own database: \(customer.trimmingCharacters(in: .whitespacesAndNewlines)) (HTTP \(customerStatus))")
        }
    }
}
