import CommandLineKit
import Foundation
import Reconcile
import Runner
import Server
import SlipwayCore
import Store

/// `slipway env list|show|logs|deploy|teardown`: look at environments and queue work for a
/// running `slipway serve` (which executes the jobs).
enum EnvCommand {
    static var command: Command {
        Command(name: "env", abstract: "List environments, read their logs, and queue deploys and teardowns.", subcommands: [
            list, show, logs, deploy, teardown, rollback, unpin, refresh,
        ])
    }

    static let stateSpecs = ConfigOption.stateOptions.map(\.spec)

    static var list: Command {
        Command(
            name: "list", abstract: "List environments with their status, commit and URL.",
            options: stateSpecs + [.flag("json", help: "Print JSON (one array) instead of a table.")]
        ) { arguments, io in
            let store = try DeliveriesCommand.openStore(arguments)
            let records = try store.environments().sorted { $0.name < $1.name }
            if arguments.flag("json") {
                io.out.write(try DeliveriesCommand.json(records.map(summary)) + "\n")
                return 0
            }
            if records.isEmpty {
                io.out.write("no environments yet\n")
                return 0
            }
            let pins = try store.pins()
            var rows = [["ENV", "KIND", "STATUS", "SHA", "PR", "URL", "UPDATED", "PIN"]]
            for record in records {
                rows.append([record.name, record.kind.rawValue, record.status.rawValue, String(record.sha.prefix(7)),
                             record.pullRequest.map { "#\($0)" } ?? "-", record.url ?? "-", DeliveriesCommand.iso(record.updatedAt),
                             pins[record.name]?.summary ?? "-"])
            }
            io.out.write(Table.render(rows))
            return 0
        }
    }

    static var show: Command {
        Command(
            name: "show", abstract: "Show one environment: its record, the app process, and its recent jobs.",
            options: stateSpecs + [.flag("json", help: "Print JSON.")],
            positionals: [PositionalSpec("name", help: "The environment name (e.g. pr-12, staging).")]
        ) { arguments, io in
            let name = arguments.positional(0) ?? ""
            let store = try DeliveriesCommand.openStore(arguments)
            guard let record = try store.environment(named: name) else {
                throw CommandFailure("no environment named '\(name)'\(try suggestion(name, store))")
            }
            let jobs = try store.jobs(limit: 500).filter { $0.environment == name }.prefix(10)
            if arguments.flag("json") {
                var object = summary(record)
                object["jobs"] = jobs.map(jobSummary)
                io.out.write(try DeliveriesCommand.json(object) + "\n")
                return 0
            }
            var text = "env        \(record.name) (\(record.kind.rawValue))\n"
            text += "status     \(record.status.rawValue)\(record.lastError.map { ": \($0)" } ?? "")\n"
            text += "sha        \(record.sha)\n"
            if let pr = record.pullRequest { text += "pr         #\(pr)\n" }
            text += "spec       \(record.specFile)\ncontent    \(record.contentID)\n"
            if let url = record.url { text += "url        \(url)\n" }
            if let pid = record.pid { text += "process    pid \(pid)\(record.port.map { " on port \($0)" } ?? "")\n" }
            if let pin = try store.pins()[name] { text += "pin        \(pin.summary); `slipway env unpin \(name)` lifts it\n" }
            text += "created    \(DeliveriesCommand.iso(record.createdAt))\nupdated    \(DeliveriesCommand.iso(record.updatedAt))\n"
            if !jobs.isEmpty {
                text += "\njobs:\n"
                var rows = [["JOB", "KIND", "STATUS", "SHA", "TRIGGER", "CREATED", "ERROR"]]
                for job in jobs {
                    rows.append(["\(job.id)", job.kind.rawValue, job.status.rawValue + (job.cancelRequested && job.status == .running ? " (cancelling)" : ""),
                                 String((job.sha ?? "-").prefix(7)), job.trigger, DeliveriesCommand.iso(job.createdAt), job.error ?? ""])
                }
                text += Table.render(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
            }
            io.out.write(text)
            return 0
        }
    }

    static var logs: Command {
        Command(
            name: "logs", abstract: "Print an environment's logs (redacted): the app's output, or the newest job's build logs.",
            options: stateSpecs + [
                .flag("build", help: "The newest job's step logs (build, deploy or teardown commands)."),
                .flag("app", help: "The app's output (process driver). The default when it exists."),
            ],
            positionals: [PositionalSpec("name", help: "The environment name.")]
        ) { arguments, io in
            let name = arguments.positional(0) ?? ""
            if arguments.flag("build") && arguments.flag("app") { throw UsageError("give --build or --app, not both") }
            guard EnvironmentName.isValid(name) else { throw UsageError("'\(name)' is not an environment name") }
            let configuration = try resolveConfiguration(arguments, options: ConfigOption.stateOptions)
            let files = EnvironmentLogs(workDir: configuration.workDir, environment: name)
            let wantsBuild = arguments.flag("build") || (!arguments.flag("app") && !FileManager.default.fileExists(atPath: files.appLog))
            let paths = wantsBuild ? files.latestJobLogs : [files.appLog].filter { FileManager.default.fileExists(atPath: $0) }
            guard !paths.isEmpty else {
                throw CommandFailure("no \(wantsBuild ? "build" : "app") logs for '\(name)' in \(files.directory)")
            }
            for path in paths {
                if paths.count > 1 { io.out.write("==> \((path as NSString).lastPathComponent) <==\n") }
                let data = FileManager.default.contents(atPath: path) ?? Data()
                io.out.write(String(decoding: data, as: UTF8.self))
            }
            return 0
        }
    }

    static var deploy: Command {
        Command(
            name: "deploy", abstract: "Queue a deploy of an environment at a commit; a running `slipway serve` builds it.",
            discussion: """
            A preview's spec is read at the tip of its pull request's base branch (never at the
            commit deployed), and the pull request must be open. A branch environment's spec is
            read at the commit, and the deploy pins it: reconcile leaves it there until the next
            promotion or `slipway env unpin`. An environment that moves by promotion refuses a
            manual deploy unless --break-glass --reason TEXT is given, which the evidence and the
            pin record with who did it. A deploy already running for the environment is cancelled.
            """,
            options: stateSpecs + [
                ConfigOption.repo.spec, .option("sha", value: "SHA", help: "The commit (or branch) to deploy."),
                .flag("break-glass", help: "Deploy an environment that moves only by promotion, without its gates (needs --reason)."),
                .option("reason", value: "TEXT", help: "Why (recorded in the pin and the evidence)."),
            ],
            positionals: [PositionalSpec("name", help: "The environment name (e.g. pr-12, staging).")]
        ) { arguments, io in
            let name = arguments.positional(0) ?? ""
            guard let revision = arguments.value("sha"), !revision.isEmpty else { throw UsageError("--sha is required") }
            guard EnvironmentName.isValid(name) else { throw UsageError("'\(name)' is not an environment name") }
            let reason = arguments.value("reason")
            if arguments.flag("break-glass") && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw UsageError("--break-glass needs --reason TEXT: the evidence records why")
            }
            let store = try DeliveriesCommand.openStore(arguments)
            let target = try resolveTarget(arguments, name: name, revision: revision, store: store)
            let who = user()
            if target.spec.spec.promotion != nil && !arguments.flag("break-glass") {
                throw CommandFailure("\(name) moves only by promotion from \(target.spec.spec.promotion?.from ?? "?"): approve its promotion pull request, or deploy anyway with --break-glass --reason TEXT")
            }
            let why = arguments.flag("break-glass") ? "BREAK GLASS by \(who): \(reason ?? "")" : "\(who) asked for \(name) at \(target.sha.prefix(7)) (slipway env deploy)"
            let job = try enqueueDeploy(store, name: name, target: target, reason: why, trigger: "command:\(who)")
            if target.pullRequest == nil {
                try store.pin(EnvironmentPin(environment: name, action: .deploy, sha: target.sha, actor: who,
                                             reason: arguments.flag("break-glass") ? "break glass: \(reason ?? "")" : reason, at: Date()))
            }
            guard let job else {
                io.out.write("\(name) at \(target.sha.prefix(7)) is already queued\n")
                return 0
            }
            io.out.write("queued job \(job.id): deploy \(name) at \(target.sha.prefix(7)); a running `slipway serve` executes it\n")
            if target.pullRequest == nil {
                io.out.write("\(name) is pinned at \(target.sha.prefix(7)): `slipway env unpin \(name)` lets it follow its branch again\n")
            }
            return 0
        }
    }

    /// What `env deploy` and `env rollback` deploy: the commit, the spec (read at a trusted
    /// commit) and the pull request for a preview.
    struct Target {
        var sha: String
        var specSHA: String
        var spec: ResolvedSpec
        var pullRequest: Int?
    }

    static func resolveTarget(_ arguments: ParsedArguments, name: String, revision: String, store: any Store) throws -> Target {
        let configuration = try resolveConfiguration(arguments, options: ConfigOption.stateOptions + [.repo])
        guard let source = configuration.repo else {
            throw CommandFailure("env deploy reads the spec from the repository: give --repo (or repo in the config file)")
        }
        let existing = try store.environment(named: name)
        let repository: ManagedRepository
        do {
            repository = try ManagedRepository.prepare(source: source, workDir: configuration.workDir)
        } catch {
            throw CommandFailure("\(error)")
        }
        let reader = DesiredStateReader()
        let pullRequests = try store.pullRequests()
        return try repository.withRepository { repo in
            let sha: String
            do {
                sha = try repo.resolve(revision).hex
            } catch {
                throw CommandFailure("no commit '\(revision)' in \(repository.displaySource)")
            }
            // A preview: only for an open pull request, with its base's spec.
            let digits = String(name.reversed().prefix { $0.isNumber }.reversed())
            if let number = existing?.pullRequest ?? Int(digits), existing == nil || existing?.kind == .preview,
               let pr = pullRequests.first(where: { $0.number == number }) {
                guard pr.state == .open else { throw CommandFailure("pull request #\(number) is not open: its preview is not deployed") }
                guard let base = try? repo.resolve("refs/heads/\(pr.baseRef)").hex else {
                    throw CommandFailure("the base branch '\(pr.baseRef)' of #\(number) does not exist")
                }
                guard case .specs(let specs) = try reader.specs(repo, policyAt: base, codeAt: sha),
                      let (spec, _) = match(name, existing: existing, specs: specs), spec.spec.kind == .preview else {
                    throw CommandFailure("no preview spec on '\(pr.baseRef)' defines '\(name)'")
                }
                return Target(sha: sha, specSHA: base, spec: spec, pullRequest: number)
            }
            let specs = try reader.specs(repo, at: sha)
            guard case .specs(let resolved) = specs else {
                if case .invalid(let problems) = specs {
                    throw CommandFailure("the specs at \(sha.prefix(7)) are invalid: \(problems.joined(separator: "; "))")
                }
                throw CommandFailure("no specs at \(sha.prefix(7))")
            }
            guard let (spec, pullRequest) = match(name, existing: existing, specs: resolved) else {
                throw CommandFailure("no spec at \(sha.prefix(7)) defines the environment '\(name)' (specs: \(resolved.map(\.spec.file).joined(separator: ", ")))")
            }
            if spec.spec.kind == .preview {
                throw CommandFailure("'\(name)' is a preview, and no open pull request #\(pullRequest.map(String.init) ?? "?") is known: previews are deployed only for open pull requests")
            }
            return Target(sha: sha, specSHA: sha, spec: spec, pullRequest: nil)
        }
    }

    static func enqueueDeploy(_ store: any Store, name: String, target: Target, reason: String, trigger: String) throws -> JobRecord? {
        let existing = try store.environment(named: name)
        let action = PlannedAction(kind: existing?.status.isLive == true ? .update : .create, environment: name,
                                   environmentKind: target.spec.spec.kind, pullRequest: target.pullRequest, sha: target.sha,
                                   contentID: target.spec.contentID, specFile: target.spec.spec.file, specSHA: target.specSHA, reason: reason)
        return try store.enqueue([action], trigger: trigger, now: Date()).first
    }

    static var teardown: Command {
        Command(
            name: "teardown", abstract: "Queue a teardown of an environment; a running `slipway serve` executes it.",
            discussion: "A branch environment torn down by hand is pinned: it stays down until `slipway env unpin`.",
            options: stateSpecs + [.option("reason", value: "TEXT", help: "Why (recorded in the pin).")],
            positionals: [PositionalSpec("name", help: "The environment name.")]
        ) { arguments, io in
            let name = arguments.positional(0) ?? ""
            let store = try DeliveriesCommand.openStore(arguments)
            guard let record = try store.environment(named: name) else {
                throw CommandFailure("no environment named '\(name)'\(try suggestion(name, store))")
            }
            guard record.status.isLive else {
                io.out.write("\(name) is already torn down\n")
                return 0
            }
            let who = user()
            let action = PlannedAction(kind: .teardown, environment: name, environmentKind: record.kind, pullRequest: record.pullRequest,
                                       sha: record.sha, contentID: record.contentID, specFile: record.specFile,
                                       reason: "\(who) asked to tear down \(name) (slipway env teardown)")
            let created = try store.enqueue([action], trigger: "command:\(who)", now: Date())
            if record.pullRequest == nil {
                // A branch environment stays down until unpinned (reconcile would bring it back).
                try store.pin(EnvironmentPin(environment: name, action: .teardown, sha: nil, actor: who, reason: arguments.value("reason"), at: Date()))
            }
            guard let job = created.first else {
                io.out.write("a teardown of \(name) is already queued\n")
                return 0
            }
            io.out.write("queued job \(job.id): teardown \(name); a running `slipway serve` executes it\n")
            if record.pullRequest == nil { io.out.write("\(name) stays torn down until `slipway env unpin \(name)`\n") }
            return 0
        }
    }

    // MARK: Helpers

    static func resolveConfiguration(_ arguments: ParsedArguments, options: [ConfigOption]) throws -> BotConfiguration {
        let source = try ConfigLoading.source(arguments, options: options)
        do {
            return try BotConfiguration.resolve(source, requireSecret: false)
        } catch let error as ConfigError {
            throw CommandFailure(error.message)
        }
    }

    /// The spec that defines `name` at the commit: the one the environment already uses, a fixed
    /// name, or a preview template (`pr-{{pr.number}}`) that renders to it.
    static func match(_ name: String, existing: EnvironmentRecord?, specs: [ResolvedSpec]) -> (ResolvedSpec, Int?)? {
        if let existing, let spec = specs.first(where: { $0.spec.file == existing.specFile }) {
            return (spec, existing.pullRequest)
        }
        if let spec = specs.first(where: { $0.spec.name == name }) { return (spec, nil) }
        let digits = name.reversed().prefix { $0.isNumber }
        if let number = Int(String(digits.reversed())) {
            if let spec = specs.first(where: { $0.spec.kind == .preview && EnvironmentName.render($0.spec.name, pullRequest: number) == name }) {
                return (spec, number)
            }
        }
        return nil
    }

    static func user() -> String {
        let name = ProcessInfo.processInfo.environment["USER"] ?? ""
        return name.isEmpty ? "cli" : name
    }

    static func suggestion(_ name: String, _ store: any Store) throws -> String {
        let names = try store.environments().map(\.name).sorted()
        return names.isEmpty ? " (there are none yet)" : " (known: \(names.joined(separator: ", ")))"
    }

    static func summary(_ record: EnvironmentRecord) -> [String: Any] {
        var object: [String: Any] = [
            "name": record.name, "kind": record.kind.rawValue, "status": record.status.rawValue, "sha": record.sha,
            "content_id": record.contentID, "spec_file": record.specFile,
            "created_at": DeliveriesCommand.iso(record.createdAt), "updated_at": DeliveriesCommand.iso(record.updatedAt),
        ]
        if let pr = record.pullRequest { object["pull_request"] = pr }
        if let url = record.url { object["url"] = url }
        if let port = record.port { object["port"] = port }
        if let pid = record.pid { object["pid"] = Int(pid) }
        if let error = record.lastError { object["last_error"] = error }
        return object
    }

    static func jobSummary(_ job: JobRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": Int(job.id), "kind": job.kind.rawValue, "status": job.status.rawValue, "trigger": job.trigger,
            "reason": job.reason, "attempts": job.attempts, "cancel_requested": job.cancelRequested,
            "created_at": DeliveriesCommand.iso(job.createdAt),
        ]
        if let sha = job.sha { object["sha"] = sha }
        if let error = job.error { object["error"] = error }
        if let finished = job.finishedAt { object["finished_at"] = DeliveriesCommand.iso(finished) }
        return object
    }
}
