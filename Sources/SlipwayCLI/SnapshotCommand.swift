import CommandLineKit
import Data
import Evidence
import Foundation
import Reconcile
import Server
import SlipwayCore
import Store

/// `slipway snapshot create|list|show|verify|drop`: sanitized production snapshots on the
/// operator's database server (see docs/data.md).
enum SnapshotCommand {
    static var command: Command {
        Command(name: "snapshot", abstract: "Make, list, re-check and drop sanitized production snapshots.",
                subcommands: [create, list, show, verify, drop])
    }

    static let options: [ConfigOption] = ConfigOption.stateOptions + ConfigOption.dataOptions + [.repo, .defaultBranch, .evidenceBranch, .botName, .botEmail, .grant]
    static var specs: [OptionSpec] { options.map(\.spec) }

    static var create: Command {
        Command(
            name: "create", abstract: "Dump production, restore it as a new snapshot, sanitize, verify and scan it; keep it if it passes.",
            discussion: """
            The sanitize rules and verify queries are those of the specs on --default-branch (merged
            code; never a pull request's). The scan looks for live credential shapes, the value of
            every production grant, the specs' forbid patterns and unsanitized email addresses in
            every text column. Any finding refuses the snapshot, naming table, column and rule —
            never the value — and the refused copy is dropped. A snapshot that passes becomes a
            template database; the newest --snapshot-keep are kept. Its record is committed to the
            evidence branch as snapshots/<name>.json when --repo is given.
            """,
            options: specs + [.flag("json", help: "Print the snapshot's record as JSON.")]
        ) { arguments, io in
            let (configuration, plane, store) = try open(arguments)
            guard let repo = configuration.repo else {
                throw UsageError("snapshot create reads its rules from the repository's specs: give --repo (or repo in slipway.yaml)")
            }
            let scratch = configuration.workDir + "/snapshot-repo"
            let outcome: SnapshotService.Outcome
            do {
                let repository = try ManagedRepository.prepare(source: repo, workDir: scratch)
                let evidence = EvidenceWriter(
                    repository: repository, store: store,
                    configuration: .init(branch: configuration.evidenceBranch, repositoryName: repository.displaySource,
                                         authorName: configuration.botName, authorEmail: configuration.botEmail))
                let service = SnapshotService(plane: plane, repository: repository, store: store, branch: configuration.defaultBranch,
                                              evidence: evidence, logger: .discarding)
                outcome = try service.create(actor: EnvCommand.user())
            } catch let error as DataError {
                throw CommandFailure("snapshot refused: \(error.message)")
            } catch let error as ConfigError {
                throw CommandFailure(error.message)
            } catch let error as RepositoryError {
                throw CommandFailure(error.message)
            }
            if arguments.flag("json") {
                io.out.write(String(decoding: try SnapshotService.encode(outcome.record), as: UTF8.self))
                return 0
            }
            io.out.write(describe(outcome.record))
            for grant in outcome.unreadGrants {
                io.out.write("warning: the production grant '\(grant)' could not be read here, so the scan did not look for its value\n")
            }
            if let commit = outcome.evidenceCommit { io.out.write("record committed to \(configuration.evidenceBranch) in \(commit.prefix(12))\n") }
            return 0
        }
    }

    static var list: Command {
        Command(name: "list", abstract: "List snapshots, newest first.", options: specs + [.flag("json", help: "Print JSON.")]) { arguments, io in
            let (_, plane, _) = try open(arguments)
            let records = try run { () throws(DataError) in try plane.snapshots.list() }
            if arguments.flag("json") {
                let encoded = try records.map { try JSONSerialization.jsonObject(with: SnapshotService.encode($0)) }
                io.out.write(try DeliveriesCommand.json(encoded) + "\n")
                return 0
            }
            if records.isEmpty {
                io.out.write("no snapshots yet: `slipway snapshot create` makes one\n")
                return 0
            }
            var rows = [["NAME", "CREATED", "SIZE", "RULES", "VERIFY", "SCAN", "SOURCE"]]
            for record in records {
                rows.append([record.name, DeliveriesCommand.iso(record.createdAt), bytes(record.sizeBytes), "\(record.rules.count)",
                             record.verify.allSatisfy(\.passed) ? "passed" : "FAILED",
                             record.scan.passed ? "passed (\(record.scan.columnsScanned) columns)" : "FAILED", record.source])
            }
            io.out.write(Table.render(rows))
            return 0
        }
    }

    static var show: Command {
        Command(name: "show", abstract: "Show one snapshot's record.", options: specs + [.flag("json", help: "Print JSON.")],
                positionals: [PositionalSpec("name", help: "The snapshot (from `snapshot list`).")]) { arguments, io in
            let name = arguments.positional(0) ?? ""
            let (_, plane, _) = try open(arguments)
            guard let record = try run({ () throws(DataError) in try plane.snapshots.show(name) }) else {
                throw CommandFailure("no snapshot named '\(name)' (see `slipway snapshot list`)")
            }
            io.out.write(arguments.flag("json") ? String(decoding: try SnapshotService.encode(record), as: UTF8.self) : describe(record))
            return 0
        }
    }

    static var verify: Command {
        Command(name: "verify", abstract: "Run the verify queries and the scan again on a snapshot (with the current rules).",
                options: specs, positionals: [PositionalSpec("name", help: "The snapshot.")]) { arguments, io in
            let name = arguments.positional(0) ?? ""
            let (configuration, plane, _) = try open(arguments)
            var rules = SnapshotRules(sanitize: [], verify: [], productionSecrets: [])
            if let repo = configuration.repo {
                do {
                    let repository = try ManagedRepository.prepare(source: repo, workDir: configuration.workDir + "/snapshot-repo")
                    rules = try plane.rules(repository: repository, branch: configuration.defaultBranch).rules
                } catch let error as ConfigError {
                    throw CommandFailure(error.message)
                } catch let error as RepositoryError {
                    throw CommandFailure(error.message)
                }
            } else {
                io.err.write("no --repo: only the scan runs (the verify queries live in the specs)\n")
            }
            let record = try run { () throws(DataError) in try plane.snapshots.verify(name, rules: rules) }
            io.out.write(describe(record))
            return record.scan.passed && record.verify.allSatisfy(\.passed) ? 0 : 1
        }
    }

    static var drop: Command {
        Command(name: "drop", abstract: "Drop a snapshot (environments already copied from it keep their copies).",
                options: specs, positionals: [PositionalSpec("name", help: "The snapshot.")]) { arguments, io in
            let name = arguments.positional(0) ?? ""
            let (_, plane, _) = try open(arguments)
            guard try run({ () throws(DataError) in try plane.snapshots.show(name) }) != nil else {
                throw CommandFailure("no snapshot named '\(name)' (see `slipway snapshot list`)")
            }
            try run { () throws(DataError) in try plane.snapshots.drop(name) }
            io.out.write("dropped \(name)\n")
            return 0
        }
    }

    // MARK: Helpers

    static func open(_ arguments: ParsedArguments) throws -> (BotConfiguration, DataPlane, any Store) {
        let configuration = try EnvCommand.resolveConfiguration(arguments, options: options)
        let plane: DataPlane?
        do {
            try FileManager.default.createDirectory(atPath: configuration.workDir, withIntermediateDirectories: true)
            plane = try DataPlane.make(settings: configuration.data, workDir: configuration.workDir, grants: configuration.grants, logger: .discarding)
        } catch let error as ConfigError {
            throw CommandFailure(error.message)
        }
        guard let plane else {
            throw CommandFailure("no database server is configured: set databases.admin in slipway.yaml (or --database-admin env:VAR|file:PATH)")
        }
        let store: any Store
        do {
            store = try configuration.store.open()
        } catch {
            throw CommandFailure("cannot open the store \(configuration.store): \(error)")
        }
        return (configuration, plane, store)
    }

    static func run<T>(_ body: () throws(DataError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CommandFailure(error.message)
        }
    }

    static func describe(_ record: SnapshotRecord) -> String {
        var text = "snapshot   \(record.name)\n"
        text += "created    \(DeliveriesCommand.iso(record.createdAt))\n"
        text += "source     \(record.source) (PostgreSQL \(record.sourceServerVersion))\n"
        text += "size       \(bytes(record.sizeBytes))\n"
        text += "rules      \(record.rules.count)\n"
        for rule in record.rules { text += "  - \(rule)\n" }
        text += "verify     \(record.verify.allSatisfy(\.passed) ? "passed" : "FAILED")\n"
        for result in record.verify { text += "  - \(result.passed ? "ok" : "\(result.rows) rows"): \(result.query)\n" }
        text += "scan       \(record.scan.passed ? "passed" : "FAILED") (\(record.scan.columnsScanned) text columns)\n"
        for finding in record.scan.findings { text += "  - \(finding)\n" }
        let order = ["dump", "restore", "sanitize", "verify", "scan", "total"]
        let durations = order.compactMap { key in record.durations[key].map { "\(key) \(String(format: "%.2f", $0))s" } }
        if !durations.isEmpty { text += "durations  \(durations.joined(separator: ", "))\n" }
        return text
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
