import CommandLineKit
import Foundation
import Runner
import Server
import SlipwayCore
import Store

extension EnvCommand {
    static var refresh: Command {
        Command(
            name: "refresh", abstract: "Recreate an environment's database from the newest sanitized snapshot, then redeploy it.",
            discussion: """
            Queues a redeploy of the environment at the commit it runs; that deploy drops its
            database and creates it again from where its spec says (the newest snapshot that
            applied the spec's sanitize rules, an empty database, or a copy of staging's), before
            the build, so migrations run on the fresh copy. The environment's data since the last
            copy is lost. Production's database is never touched.
            """,
            options: stateSpecs + [ConfigOption.repo.spec],
            positionals: [PositionalSpec("name", help: "The environment (e.g. staging, pr-12).")]
        ) { arguments, io in
            let name = arguments.positional(0) ?? ""
            guard EnvironmentName.isValid(name) else { throw UsageError("'\(name)' is not an environment name") }
            let store = try DeliveriesCommand.openStore(arguments)
            guard let record = try store.environment(named: name) else {
                throw CommandFailure("no environment named '\(name)'\(try suggestion(name, store))")
            }
            guard record.kind != .production else {
                throw CommandFailure("\(name) is production: its database is the operator's, and Slipway never touches it")
            }
            guard record.status.isLive else {
                throw CommandFailure("\(name) is torn down: its next deploy creates its database afresh")
            }
            let target = try resolveTarget(arguments, name: name, revision: record.sha, store: store)
            guard target.spec.spec.database != nil else {
                throw CommandFailure("\(name)'s spec (\(target.spec.spec.file)) has no 'database' section: there is nothing to refresh")
            }
            let who = user()
            try store.setValue("\(who) at \(DeliveriesCommand.iso(Date()))", forKey: DatabaseRefresh.keyPrefix + name)
            let job = try enqueueDeploy(store, name: name, target: target,
                                        reason: "\(who) asked to refresh \(name)'s database (slipway env refresh)", trigger: "command:\(who)")
            if let job {
                io.out.write("queued job \(job.id): refresh \(name)'s database and redeploy it at \(target.sha.prefix(7)); a running `slipway serve` executes it\n")
            } else {
                io.out.write("a deploy of \(name) is already queued: it refreshes the database\n")
            }
            return 0
        }
    }
}
