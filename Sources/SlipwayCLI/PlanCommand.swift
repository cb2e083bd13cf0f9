import CommandLineKit
import Foundation
import Reconcile
import Server
import SlipwayCore
import Store

/// `slipway plan`: what would be done now, and why. Changes nothing.
enum PlanCommand {
    static var command: Command {
        Command(
            name: "plan",
            abstract: "Print what the bot would do now and why; changes nothing.",
            discussion: """
            Reads the repository's branches, PR heads (refs/pull/<n>/head) and the environment
            specs through libgit2 (a preview's at the tip of its base branch, a branch
            environment's at its head), combines them with what the store knows (environments,
            queued jobs, PR metadata from webhooks) and prints the plan. A PR known only from its
            ref is listed as not built. Grants (--grant, grants: in slipway.yaml) are checked.
            The repository is read from a temporary clone; the store is only read.
            """,
            options: ConfigOption.stateOptions.map(\.spec) + [
                ConfigOption.repo.spec, ConfigOption.defaultBranch.spec, ConfigOption.grant.spec,
                .flag("json", help: "Print JSON instead of a table."),
            ]
        ) { arguments, io in
            let source = try ConfigLoading.source(arguments, options: ConfigOption.stateOptions + [.repo, .defaultBranch, .grant])
            let configuration: BotConfiguration
            do {
                configuration = try BotConfiguration.resolve(source, requireSecret: false)
            } catch let error as ConfigError {
                throw CommandFailure(error.message)
            }
            guard let repo = configuration.repo else {
                throw UsageError("no repository: give --repo PATH_OR_URL (or repo in slipway.yaml, or SLIPWAY_REPO)")
            }
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-plan-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: scratch) }
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
            let plan: Plan
            do {
                let repository = try ManagedRepository.prepare(source: repo, workDir: scratch)
                let reconciler = Reconciler(repository: repository, store: store, defaultBranch: configuration.defaultBranch,
                                            grants: configuration.grants, forgeConfigured: configuration.forge.credentials != nil,
                                            logger: .discarding)
                plan = try reconciler.preview()
            } catch let error as RepositoryError {
                throw CommandFailure(error.message)
            }
            if arguments.flag("json") {
                io.out.write(try json(plan) + "\n")
                return 0
            }
            var rows = [["ACTION", "ENVIRONMENT", "SHA", "REASON"]]
            for action in plan.actions {
                rows.append([action.kind.rawValue, action.environment, action.sha.map { String($0.prefix(7)) } ?? "-", action.reason])
            }
            io.out.write(plan.actions.isEmpty ? "nothing to plan: no open PRs and no branch followed by a spec\n" : Table.render(rows))
            for note in plan.notes { io.out.write("note: \(note)\n") }
            let changes = plan.changes.count
            io.out.write("\(changes) change\(changes == 1 ? "" : "s")\n")
            return 0
        }
    }

    static func json(_ plan: Plan) throws -> String {
        let actions: [[String: Any]] = plan.actions.map { action in
            var object: [String: Any] = ["kind": action.kind.rawValue, "environment": action.environment, "reason": action.reason]
            if let kind = action.environmentKind { object["environment_kind"] = kind.rawValue }
            if let pr = action.pullRequest { object["pull_request"] = pr }
            if let sha = action.sha { object["sha"] = sha }
            if let content = action.contentID { object["content_id"] = content }
            if let spec = action.specFile { object["spec_file"] = spec }
            return object
        }
        return try DeliveriesCommand.json(["actions": actions, "notes": plan.notes, "changes": plan.changes.count])
    }
}
