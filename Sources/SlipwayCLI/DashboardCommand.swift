import CommandLineKit
import Foundation
import Server

/// `slipway dashboard link`: a single-use sign-in link to the dashboard, valid for five minutes.
enum DashboardCommand {
    static var command: Command {
        Command(name: "dashboard", abstract: "Sign in to the dashboard without typing the API token.", subcommands: [link])
    }

    static var link: Command {
        Command(
            name: "link", abstract: "Print a single-use sign-in link to the dashboard (valid for five minutes).",
            discussion: """
            The link carries a ticket signed with the API token (--api-token-file), not the token:
            it works once, for five minutes, and then the browser holds a session cookie. The base
            URL is --url, else the admin listener, else the webhook listener.
            """,
            options: [ConfigOption.config.spec, ConfigOption.apiTokenFile.spec, ConfigOption.listen.spec, ConfigOption.adminListen.spec,
                      .option("url", value: "URL", help: "The dashboard's address as a browser reaches it (e.g. https://slipway.example.com).")]
        ) { arguments, io in
            let source = try ConfigLoading.source(arguments, options: [.config, .apiTokenFile, .listen, .adminListen])
            guard let file = source.value(.apiTokenFile) else {
                throw CommandFailure("the dashboard is off without an API token: give --api-token-file (or api-token-file in slipway.yaml)")
            }
            let access: APIAccess
            do {
                access = try APIAccess.load(file: file)
            } catch let error as ConfigError {
                throw CommandFailure(error.message)
            }
            var base = arguments.value("url") ?? "http://" + (source.value(.adminListen) ?? source.value(.listen) ?? "127.0.0.1:8080")
            while base.hasSuffix("/") { base.removeLast() }
            io.out.write("\(base)/login?ticket=\(access.newTicket())\n")
            return 0
        }
    }
}
