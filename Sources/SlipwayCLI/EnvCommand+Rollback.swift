import CommandLineKit
import Foundation
import Reconcile
import Server
import SlipwayCore
import Store

extension EnvCommand {
    static var rollback: Command {
        Command(
            name: "rollback", abstract: "Redeploy an earlier healthy version of an environment and pin it there.",
            discussion: """
            Deploys a version that has a healthy evidence record on the environment: the one before
            the current one by default, or --to SHA. Git history is not touched. The environment
            is pinned, so reconcile does not roll it forward; the next promotion or
            `slipway env unpin ENV` lifts the pin. Who did it and why are recorded.
            """,
            options: stateSpecs + [
                ConfigOption.repo.spec,
                .option("to", value: "SHA", help: "The version to go back to (it must have run healthy there)."),
                .option("reason", value: "TEXT", help: "Why (recorded in the pin and the evidence)."),
            ],
            positionals: [PositionalSpec("name", help: "The environment (e.g. production, staging).")]
        ) { arguments, io in
            let name = arguments.positional(0) ?? ""
            guard EnvironmentName.isValid(name) else { throw UsageError("'\(name)' is not an environment name") }
            let store = try DeliveriesCommand.openStore(arguments)
            guard let current = try store.environment(named: name) else {
                throw CommandFailure("no environment named '\(name)'\(try suggestion(name, store))")
            }
            guard current.pullRequest == nil else { throw CommandFailure("\(name) is a preview: push a revert to its pull request instead") }
            let healthy = try store.evidence(environment: name, limit: 500)
                .filter { $0.kind == "deploy" && $0.outcome == "succeeded" }
            let wanted: String
            if let to = arguments.value("to") {
                guard let match = healthy.first(where: { $0.sha.hasPrefix(to.lowercased()) }) else {
                    throw CommandFailure("\(name) has no healthy deploy of '\(to)' in its evidence (healthy: \(Set(healthy.map { String($0.sha.prefix(7)) }).sorted().joined(separator: ", ")))")
                }
                wanted = match.sha
            } else {
                guard let previous = healthy.first(where: { $0.sha != current.sha }) else {
                    throw CommandFailure("\(name) has no earlier healthy version in its evidence to roll back to")
                }
                wanted = previous.sha
            }
            let who = user()
            let reason = arguments.value("reason")
            let target = try resolveTarget(arguments, name: name, revision: wanted, store: store)
            let job = try enqueueDeploy(store, name: name, target: target,
                                        reason: "rollback by \(who) to \(wanted.prefix(7))\(reason.map { ": \($0)" } ?? "")",
                                        trigger: "command:\(who)")
            try store.pin(EnvironmentPin(environment: name, action: .rollback, sha: wanted, actor: who, reason: reason, at: Date()))
            io.out.write("queued job \(job.map { "\($0.id)" } ?? "(already queued)"): roll \(name) back from \(current.sha.prefix(7)) to \(wanted.prefix(7)); a running `slipway serve` executes it\n")
            io.out.write("\(name) is pinned at \(wanted.prefix(7)) until the next promotion or `slipway env unpin \(name)`\n")
            return 0
        }
    }

    static var unpin: Command {
        Command(
            name: "unpin", abstract: "Let a pinned environment follow its branch (or promotions) again.",
            options: stateSpecs,
            positionals: [PositionalSpec("name", help: "The environment.")]
        ) { arguments, io in
            let name = arguments.positional(0) ?? ""
            let store = try DeliveriesCommand.openStore(arguments)
            guard let pin = try store.unpin(name) else {
                io.out.write("\(name) is not pinned\n")
                return 0
            }
            io.out.write("\(name) was \(pin.summary); it follows its branch again at the next reconcile\n")
            return 0
        }
    }
}
