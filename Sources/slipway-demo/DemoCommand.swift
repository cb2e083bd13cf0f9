import CommandLineKit
import Demo
import Foundation
import Runner
import SlipwayCore
import Store

/// `slipway-demo`: the full loop, for real, on the embedded default. A program of its own, so the
/// shipped `slipway` carries neither the demo nor the fake GitHub.
enum DemoCommand {
    static var command: Command {
        Command(
            name: "slipway-demo",
            abstract: "Run the whole loop locally: PR -> preview -> update -> merge -> staging, with a fake GitHub.",
            discussion: """
            Makes a bare repository from the example app, starts the bot on it (SQLite store,
            process driver) with a fake GitHub standing in for the forge, and drives it with
            signed webhooks over HTTP: staging from main, a PR's preview, a push to the PR, the
            merge. It prints what happens, checks every environment answers, shows the PR comment,
            and says where the evidence and docs are. Ctrl-C stops it and everything it started.
            """,
            options: [
                .option("example", value: "DIR", help: "The example app to deploy.", default: "examples/app"),
                .option("dir", value: "DIR", help: "Where to put the repository and the bot's work dir (kept afterwards).",
                        default: "a new temporary directory"),
            ]
        ) { arguments, io in
            let example = arguments.value("example") ?? "examples/app"
            guard FileManager.default.fileExists(atPath: example + "/environments") else {
                throw CommandFailure("no example app at \(example): run the demo from the Slipway checkout, or pass --example DIR")
            }
            let dir = arguments.value("dir")
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("slipway-demo-\(UUID().uuidString.prefix(6).lowercased())").path
            // Ctrl-C and SIGTERM are received by one thread that stops everything.
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            sigaddset(&signals, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &signals, nil)
            let runner = DemoRun(example: example, directory: dir, io: io)
            let blocked = signals
            let watcher = Thread {
                var set = blocked
                var received: Int32 = 0
                sigwait(&set, &received)
                io.err.write("\ninterrupted: stopping the bot, the apps and the fake GitHub...\n")
                runner.stop()
                io.err.write("stopped. Files are kept in \(dir)\n")
                exit(130)
            }
            watcher.start()
            return runner.run()
        }
    }
}
