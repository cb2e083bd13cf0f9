import Foundation

// slipway-bench: benchmarks that print figures (not timed tests).
//   slipway-bench plan [--prs N] [--refs N]
//   slipway-bench loop [--events N] [--example DIR]
//   slipway-bench preview --caddy-admin URL --listen PORT --root-ca FILE [--prs N] [--docker-host unix://SOCKET]
//     (scripts/bench/preview.sh; with --docker-host, previews use the container driver on that daemon)
//   slipway-bench data --admin CONNINFO --production CONNINFO --work DIR (scripts/bench/data.sh)
//   slipway-bench soak [--prs N] [--reconciles N] [--deliveries N] [--senders N] [--time-limit SECONDS]
//   (slipway-bench soak-bot ...: the bot side of `soak`, started by it as a child process)
let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
    return value
}
/// The value of a required option (`--admin CONNINFO`); exits 2 naming it when it is missing.
func required(_ name: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
        FileHandle.standardError.write(Data("slipway-bench \(arguments.first ?? ""): \(name) is required\n".utf8))
        exit(2)
    }
    return arguments[index + 1]
}
switch arguments.first {
case "plan":
    do {
        try PlanBenchmark.run(prs: option("--prs", 1000), refs: option("--refs", 5000))
    } catch {
        FileHandle.standardError.write(Data("slipway-bench: \(error)\n".utf8))
        exit(1)
    }
case "loop":
    do {
        let example = arguments.firstIndex(of: "--example").map { arguments[$0 + 1] } ?? "examples/app"
        try LoopBenchmark.run(events: option("--events", 100), example: example)
    } catch {
        FileHandle.standardError.write(Data("slipway-bench: \(error)\n".utf8))
        exit(1)
    }
case "soak":
    do {
        var options = SoakBenchmark.Options()
        options.prs = option("--prs", options.prs)
        options.reconciles = option("--reconciles", options.reconciles)
        options.deliveries = option("--deliveries", options.deliveries)
        options.senders = option("--senders", options.senders)
        options.timeLimit = TimeInterval(option("--time-limit", Int(options.timeLimit)))
        guard options.prs >= 1, options.reconciles >= 2, options.deliveries >= 2, options.senders >= 1 else {
            FileHandle.standardError.write(Data("slipway-bench soak: --prs, --reconciles, --deliveries and --senders must be positive (at least 2 reconciles and deliveries)\n".utf8))
            exit(2)
        }
        exit(try SoakBenchmark.run(options) ? 0 : 1)
    } catch {
        FileHandle.standardError.write(Data("slipway-bench: \(error)\n".utf8))
        exit(1)
    }
case "data":
    do {
        try DataBenchmark.run(admin: required("--admin"), production: required("--production"), work: required("--work"))
    } catch {
        FileHandle.standardError.write(Data("slipway-bench data: \(error)\n".utf8))
        exit(1)
    }
case "preview":
    do {
        try PreviewBenchmark.run(caddyAdmin: required("--caddy-admin"), listen: option("--listen", 0), rootCertificate: required("--root-ca"),
                                 pullRequests: option("--prs", 10), example: arguments.firstIndex(of: "--example").map { arguments[$0 + 1] } ?? "examples/app",
                                 dockerHost: arguments.contains("--docker-host") ? required("--docker-host") : nil)
    } catch {
        FileHandle.standardError.write(Data("slipway-bench preview: \(error)\n".utf8))
        exit(1)
    }
case "soak-bot":
    do {
        try SoakBot.run(.init(repo: required("--repo"), workDir: required("--work-dir"), secretFile: required("--secret-file"),
                              forgeURL: required("--forge-url"), forgeTokenFile: required("--forge-token-file"), forgeRepo: required("--forge-repo")))
    } catch {
        FileHandle.standardError.write(Data("slipway-bench soak-bot: \(error)\n".utf8))
        exit(1)
    }
default:
    FileHandle.standardError.write(Data("usage: slipway-bench plan [--prs N] [--refs N] | loop [--events N] [--example DIR] | soak [--prs N] [--reconciles N] [--deliveries N] [--senders N] [--time-limit S] | data --admin C --production C --work DIR | preview --caddy-admin URL --listen PORT --root-ca FILE [--prs N] [--docker-host unix://SOCKET]\n".utf8))
    exit(2)
}
