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
            GET /healthz (process up), GET /readyz (store writable, repository fetched), GET /metrics (Prometheus).
            SIGINT or SIGTERM stops intake, lets in-flight requests and deliveries finish, and exits 0.
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
            var redactor = Redactor(redactTokenShapes: true)
            redactor.add(String(decoding: configuration.webhookSecret, as: UTF8.self))
            let logger = Logger(sink: StandardErrorLogSink(format: configuration.logFormat),
                                minimumLevel: configuration.logLevel, redactor: redactor)
            // Block the stop signals before any thread starts, so every thread inherits the
            // mask and only `sigwait` below sees them.
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            sigaddset(&signals, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &signals, nil)

            let app: BotApplication
            do {
                app = try BotApplication.build(configuration: configuration, logger: logger)
                try app.start()
            } catch {
                throw CommandFailure("cannot start: \(logger.redactor.redact("\(error)"))")
            }
            io.out.write("slipway \(SlipwayCLI.version) listening on http://\(configuration.listenHost):\(app.port)\(configuration.webhookPath)\n")
            var received: Int32 = 0
            sigwait(&signals, &received)
            app.stop()
            return 0
        }
    }
}
