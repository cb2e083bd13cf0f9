import CommandLineKit
import Foundation
import Server
import SlipwayCore

/// `slipway diag [--json]`: the first thing to run when something is wrong. Reads the same
/// configuration as `serve` (flags, environment, slipway.yaml) and checks the forge, git, the
/// store, the drivers, disk space and every live environment.
enum DiagCommand {
    static var command: Command {
        Command(
            name: "diag",
            abstract: "Check the forge, git, the store, the drivers, disk space and the environments; exit 0 all pass, 1 a warning, 2 a failure.",
            discussion: """
            Takes the same options as `slipway serve` (and reads the same slipway.yaml and
            SLIPWAY_* variables), so run it with the bot's own configuration. Every check passes,
            warns or fails with a one-line reason and a fix; failures are listed first. Secrets
            (the token, the webhook secret, connection strings, anything shaped like a token)
            are redacted.

            Checks: config.webhook-secret; forge.reachable, forge.credentials, forge.permission
            (write needed), forge.rate-limit (warn under 10 %), forge.webhook (the last
            deliveries of --forge-hook-id); git.fetch, git.push; store.open, store.latency,
            store.schema, store.size, store.backlog; drivers.isolation, drivers.database (with
            databases.admin), drivers.caddy (with --router caddy); disk.work-dir (fail under
            1 GiB or 2 %, warn under 5 GiB or 10 %); environment.NAME for each live environment
            (failed, or its URL not answering).

            Exit status: 0 every check passed, 1 at least one warned, 2 at least one failed.
            `serve` runs the same checks hourly and shows the latest report in /readyz ("diag").
            """,
            options: ConfigOption.serveOptions.map(\.spec) + [.flag("json", help: "Print the report as JSON (status, generated_at, version, duration_ms, checks).")]
        ) { arguments, io in
            let source = try ConfigLoading.source(arguments, options: ConfigOption.serveOptions)
            let configuration: BotConfiguration
            do {
                // A missing webhook secret is a finding (config.webhook-secret), not a refusal.
                configuration = try BotConfiguration.resolve(source, requireSecret: false)
            } catch let error as ConfigError {
                throw CommandFailure(error.message, exitCode: 2)
            }
            let report = Diagnostics.standalone(configuration: configuration).run()
            io.out.write(arguments.flag("json") ? report.json() + "\n" : report.text())
            return report.exitCode
        }
    }
}
