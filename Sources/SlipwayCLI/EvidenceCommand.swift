import CommandLineKit
import Evidence
import Foundation
import Reconcile
import Server
import SlipwayCore
import Store

/// `slipway evidence list|show|prune|reindex`: the deployment evidence, answered from the store's
/// index (list, show), kept within its retention (prune) and rebuilt from the branch (reindex).
enum EvidenceCommand {
    static var command: Command {
        Command(name: "evidence", abstract: "List, show, prune and reindex deployment evidence.",
                subcommands: [list, show, prune, reindex])
    }

    static let stateSpecs = ConfigOption.stateOptions.map(\.spec)

    static var list: Command {
        Command(
            name: "list", abstract: "List evidence records, newest first (from the store's index).",
            options: stateSpecs + [
                .option("env", value: "NAME", help: "Only this environment's records."),
                .option("limit", value: "N", help: "How many records to show.", default: "50"),
                .flag("json", help: "Print JSON (one array) instead of a table."),
            ]
        ) { arguments, io in
            guard let limit = Int(arguments.value("limit") ?? "50"), limit > 0 else {
                throw UsageError("--limit must be a positive number")
            }
            let store = try DeliveriesCommand.openStore(arguments)
            let entries = try store.evidence(environment: arguments.value("env"), limit: limit)
            if arguments.flag("json") {
                io.out.write(try DeliveriesCommand.json(entries.map(summary)) + "\n")
                return 0
            }
            if entries.isEmpty {
                io.out.write(arguments.value("env").map { "no evidence for environment '\($0)'\n" } ?? "no evidence recorded\n")
                return 0
            }
            var rows = [["ID", "ENVIRONMENT", "KIND", "SHA", "OUTCOME", "STARTED", "PR"]]
            for entry in entries {
                rows.append([entry.id, entry.environment, entry.kind, String(entry.sha.prefix(7)), entry.outcome,
                             EvidenceTime.iso(entry.startedAt), entry.pullRequest.map { "#\($0)" } ?? "-"])
            }
            io.out.write(Table.render(rows))
            return 0
        }
    }

    static var show: Command {
        Command(
            name: "show", abstract: "Show one evidence record (from the store's index).",
            options: stateSpecs + [.flag("json", help: "Print the record JSON exactly as committed.")],
            positionals: [PositionalSpec("id", help: "The record id (from `evidence list` or a Slipway-Evidence trailer).")]
        ) { arguments, io in
            let id = arguments.positional(0) ?? ""
            let (store, redactor) = try DeliveriesCommand.openStoreAndRedactor(arguments)
            guard let entry = try store.evidence(id: id) else {
                throw CommandFailure("no evidence record with id '\(id)' in the index (try `slipway evidence list`)")
            }
            if arguments.flag("json") {
                io.out.write(redactor.redact(entry.record.hasSuffix("\n") ? entry.record : entry.record + "\n"))
                return 0
            }
            var text = "record       \(entry.id)\nenvironment  \(entry.environment) (\(entry.environmentKind))\n"
            text += "kind         \(entry.kind)\nsha          \(entry.sha)\noutcome      \(entry.outcome)\n"
            if let pr = entry.pullRequest { text += "pull request #\(pr)\n" }
            text += "started      \(EvidenceTime.iso(entry.startedAt))\n"
            if let finished = entry.finishedAt { text += "finished     \(EvidenceTime.iso(finished))\n" }
            text += "branch       \(entry.branch)\ncommit       \(entry.commit)\nfolder       \(entry.path)/\n"
            if let record = try? EvidenceRecord.decode(Data(entry.record.utf8)) {
                text += "trigger      \(record.trigger.raw)\(record.trigger.actor.map { " by \($0)" } ?? "")\n"
                if let url = record.url { text += "url          \(url)\n" }
                if let failure = record.failure { text += "failure      \(record.failedPhase.map { "\($0): " } ?? "")\(failure)\n" }
                if !record.steps.isEmpty {
                    text += "\nsteps:\n"
                    for step in record.steps {
                        let exit = step.exitCode.map { "exit \($0)" } ?? (step.killedBecause.map { "killed (\($0))" } ?? "no exit")
                        text += "  \(step.name)  \(exit)  \(String(format: "%.1f", step.durationSeconds))s  \(step.command)\n"
                    }
                }
            }
            if !entry.logs.isEmpty {
                text += "\nlogs:\n" + entry.logs.map { "  \(entry.path)/\($0)\n" }.joined()
            }
            io.out.write(redactor.redact(text))
            return 0
        }
    }

    static var prune: Command {
        Command(
            name: "prune", abstract: "Remove old evidence in one commit and gzip older logs; keeps the index in step.",
            discussion: """
            Reads the evidence branch of the repository (a temporary mirror of --repo), removes the
            record folders that started more than --older-than ago and gzips the logs of records
            older than --compress-after, in one bot commit pushed without force, then removes the
            pruned records from the store's index.
            """,
            options: stateSpecs + [
                ConfigOption.repo.spec,
                .option("older-than", value: "DURATION", help: "Remove records older than this.", default: "90d"),
                .option("compress-after", value: "DURATION", help: "Gzip the logs of records older than this."),
                .option("branch", value: "BRANCH", help: "The evidence branch.", default: "slipway/evidence"),
            ]
        ) { arguments, io in
            let olderText = arguments.value("older-than") ?? "90d"
            guard let olderThan = Duration(parsing: olderText), olderThan.milliseconds > 0 else {
                throw UsageError("--older-than must be a duration like 90d or 12w (got '\(olderText)')")
            }
            var compressAfter: Duration?
            if let text = arguments.value("compress-after") {
                guard let duration = Duration(parsing: text) else {
                    throw UsageError("--compress-after must be a duration like 30d (got '\(text)')")
                }
                guard duration < olderThan else { throw UsageError("--compress-after must be shorter than --older-than") }
                compressAfter = duration
            }
            let source = try ConfigLoading.source(arguments, options: ConfigOption.stateOptions + [.repo])
            let configuration: BotConfiguration
            do {
                configuration = try BotConfiguration.resolve(source, requireSecret: false)
            } catch let error as ConfigError {
                throw CommandFailure(error.message)
            }
            guard let repo = configuration.repo else {
                throw UsageError("no repository: give --repo PATH_OR_URL (or repo in slipway.yaml, or SLIPWAY_REPO)")
            }
            let store: any Store
            do {
                if case .sqlite(let path, _) = configuration.store, !FileManager.default.fileExists(atPath: path) {
                    store = try SQLiteStore(path: ":memory:")
                } else {
                    store = try configuration.store.open()
                }
            } catch {
                throw CommandFailure("cannot open the store \(configuration.store): \(error)")
            }
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-prune-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let result: EvidencePruner.Result
            do {
                let repository = try ManagedRepository.prepare(source: repo, workDir: scratch)
                let pruner = EvidencePruner(repository: repository, store: store, branch: arguments.value("branch") ?? "slipway/evidence")
                result = try pruner.prune(olderThan: olderThan.seconds, compressAfter: compressAfter?.seconds)
            } catch let error as RepositoryError {
                throw CommandFailure(error.message)
            }
            if let commit = result.commit {
                let files = result.removedFiles.isEmpty ? ""
                    : ", \(result.removedFiles.count) postmortem or snapshot file\(result.removedFiles.count == 1 ? "" : "s")"
                io.out.write("removed \(result.removed.count) record\(result.removed.count == 1 ? "" : "s")\(files), compressed \(result.compressed.count) log\(result.compressed.count == 1 ? "" : "s") in \(commit)\n")
            } else {
                io.out.write("nothing to prune\n")
            }
            io.out.write("index: \(result.unindexed) record\(result.unindexed == 1 ? "" : "s") removed\n")
            return 0
        }
    }

    static var reindex: Command {
        Command(
            name: "reindex", abstract: "Rebuild the store's evidence index, builds and deployments tables from the evidence branch.",
            discussion: """
            Reads every record.json on the evidence branch of the repository (a temporary mirror of
            --repo) and replaces the store's evidence index and the builds and deployments tables
            (docs/sql.md) with what the branch holds, in record order. Run it after restoring or
            replacing the store, or after an upgrade that added tables. The branch is not changed.
            """,
            options: stateSpecs + [
                ConfigOption.repo.spec,
                .option("branch", value: "BRANCH", help: "The evidence branch.", default: "slipway/evidence"),
            ]
        ) { arguments, io in
            let source = try ConfigLoading.source(arguments, options: ConfigOption.stateOptions + [.repo])
            let configuration: BotConfiguration
            do {
                configuration = try BotConfiguration.resolve(source, requireSecret: false)
            } catch let error as ConfigError {
                throw CommandFailure(error.message)
            }
            guard let repo = configuration.repo else {
                throw UsageError("no repository: give --repo PATH_OR_URL (or repo in slipway.yaml, or SLIPWAY_REPO)")
            }
            let store: any Store
            do {
                store = try configuration.store.open()
            } catch {
                throw CommandFailure("cannot open the store \(configuration.store): \(error)")
            }
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-reindex-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let result: (indexed: Int, problems: [String])
            do {
                let repository = try ManagedRepository.prepare(source: repo, workDir: scratch)
                let indexer = EvidenceIndexer(branch: arguments.value("branch") ?? "slipway/evidence")
                result = try repository.withRepository { try indexer.reindex(repo: $0, store: store) }
            } catch let error as RepositoryError {
                throw CommandFailure(error.message)
            }
            for problem in result.problems { io.err.write("skipped \(problem)\n") }
            io.out.write("indexed \(result.indexed) record\(result.indexed == 1 ? "" : "s")\n")
            return result.problems.isEmpty ? 0 : 1
        }
    }

    static func summary(_ entry: EvidenceIndexEntry) -> [String: Any] {
        var object: [String: Any] = [
            "id": entry.id, "environment": entry.environment, "environment_kind": entry.environmentKind, "kind": entry.kind,
            "sha": entry.sha, "outcome": entry.outcome, "started_at": EvidenceTime.iso(entry.startedAt), "path": entry.path,
            "branch": entry.branch, "commit": entry.commit, "logs": entry.logs,
        ]
        if let pr = entry.pullRequest { object["pull_request"] = pr }
        if let finished = entry.finishedAt { object["finished_at"] = EvidenceTime.iso(finished) }
        return object
    }
}
