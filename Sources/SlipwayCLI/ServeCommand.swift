import CommandLineKit
import Foundation
import Runner
import Server
import SlipwayCore

/// `slipway serve`: runs the bot until SIGINT or SIGTERM.
enum ServeCommand {
    static var command: Command {
        Command(
            name: "serve",
            abstract: "Run the bot: verified webhooks, reconcile from git, build and deploy, PR comment and statuses, evidence and docs.",
            discussion: """
            Every option is also a key in slipway.yaml (same name) and an environment variable
            (SLIPWAY_ and the name in capitals, dashes as underscores). Flags win over the
            environment, the environment over the file. The webhook secret is read from
            --webhook-secret-file or SLIPWAY_WEBHOOK_SECRET and is never printed or logged.

            Endpoints: POST <webhook-path> (GitHub webhooks, X-Hub-Signature-256 verified),
            GET /healthz (process up), GET /readyz (store writable, repository fetched; the latest
            `slipway diag` report, run at start and hourly, as "diag"), GET /metrics (Prometheus).
            With --forge-hook-id, failed deliveries of that repository webhook are redelivered at start.
            SIGINT or SIGTERM stops intake, lets in-flight requests and deliveries finish, and exits 0.
            SIGHUP reloads the configuration: the file, the environment and the flags are read
            again; a configuration with an error is refused (logged) and the bot keeps running as
            it was. A good one replaces the running bot in the same process: intake stops,
            in-flight work finishes or goes back to the queue, apps keep running and are adopted,
            and the bot starts again with every new setting in force.
            """,
            options: ConfigOption.serveOptions.map(\.spec)
        ) { arguments, io in
            // Before any token or secret is read: no core dump holds them, and no process of the
            // same uid can read this process's memory or environment.
            do {
                try Isolation.makeBotNonDumpable()
            } catch {
                io.err.write("warning: cannot mark the bot non-dumpable: \(error)\n")
            }
            let source = try ConfigLoading.source(arguments, options: ConfigOption.serveOptions)
            let configuration: BotConfiguration
            do {
                configuration = try BotConfiguration.resolve(source)
            } catch let error as ConfigError {
                throw CommandFailure(error.message)
            }
            var logger = Self.logger(configuration)
            // Block the stop and reload signals before any thread starts, so every thread
            // inherits the mask and only `sigwait` below sees them.
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            sigaddset(&signals, SIGTERM)
            sigaddset(&signals, SIGHUP)
            pthread_sigmask(SIG_BLOCK, &signals, nil)
            // Few malloc arenas, set before the threads start (see MallocArenas.serverDefault).
            MallocArenas.limit()

            var app: BotApplication
            do {
                app = try BotApplication.build(configuration: configuration, logger: logger)
                try app.start()
            } catch {
                throw CommandFailure("cannot start: \(logger.redactor.redact("\(error)"))")
            }
            io.out.write("slipway \(SlipwayCLI.version) listening on http://\(configuration.listenHost):\(app.port)\(configuration.webhookPath)\n")
            var running = configuration
            while true {
                var received: Int32 = 0
                sigwait(&signals, &received)
                guard received == SIGHUP else { break }
                // Read everything again; a configuration with an error changes nothing.
                let next: BotConfiguration
                do {
                    next = try BotConfiguration.resolve(ConfigLoading.source(arguments, options: ConfigOption.serveOptions))
                } catch {
                    logger.error("reload refused: the configuration has an error; the bot keeps running as it was",
                                 ["error": "\((error as? CommandFailure)?.message ?? "\(error)")"])
                    continue
                }
                logger.info("reloading the configuration: restarting the bot in this process")
                app.stop()
                let nextLogger = Self.logger(next)
                do {
                    app = try BotApplication.build(configuration: next, logger: nextLogger)
                    try app.start()
                    running = next
                    logger = nextLogger
                    logger.info("configuration reloaded", ["listen": "\(next.listenHost):\(app.port)"])
                } catch {
                    // The new settings do not start (a port taken, a secret unreadable): go back.
                    logger.error("reload failed; starting again with the previous configuration",
                                 ["error": nextLogger.redactor.redact("\(error)")])
                    do {
                        app = try BotApplication.build(configuration: running, logger: logger)
                        try app.start()
                    } catch {
                        throw CommandFailure("cannot start again after a failed reload: \(logger.redactor.redact("\(error)"))")
                    }
                }
            }
            app.stop()
            return 0
        }
    }

    /// The bot's logger: the format and level of `configuration`, masking its webhook secret.
    static func logger(_ configuration: BotConfiguration) -> Logger {
        var redactor = Redactor(redactTokenShapes: true)
        redactor.add(String(decoding: configuration.webhookSecret, as: UTF8.self))
        return Logger(sink: StandardErrorLogSink(format: configuration.logFormat),
                      minimumLevel: configuration.logLevel, redactor: redactor)
    }
}
