import Forge
import Foundation
import Runner
import Server
import SlipwayCore

/// The bot side of the soak benchmark, run as a child process of `slipway-bench soak` so that its
/// memory is measured alone: the same `BotApplication` that `slipway serve` builds (webhook
/// ingress, journal, delivery workers, reconciler, runner, forge queue, evidence), with one
/// difference: its periodic reconcile runs back to back (`slipway serve` allows 100 ms at least),
/// counted, so that thousands of reconciles fit in minutes.
///
/// Protocol on stdout, one line each: `ready <port>` once listening, then every 200 ms
/// `status <reconciles> <pending jobs> <reconcile failures> <journal depth>`. It stops when stdin closes (the
/// parent died or is done) or at SIGTERM.
enum SoakBot {
    struct Options {
        var repo = ""
        var workDir = ""
        var secretFile = ""
        var forgeURL = ""
        var forgeTokenFile = ""
        var forgeRepo = ""
    }

    static func run(_ options: Options) throws {
        let secret = try Data(contentsOf: URL(fileURLWithPath: options.secretFile))
        let token = try String(contentsOfFile: options.forgeTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var configuration = BotConfiguration(
            repo: options.repo, listenHost: "127.0.0.1", listenPort: 0, webhookSecret: Array(secret),
            store: .sqlite(path: options.workDir + "/state.db", synchronousFull: false), workDir: options.workDir,
            // The bench drives the reconciles itself (below); the built-in tick stays out of the way.
            reconcileInterval: 24 * 3600)
        configuration.reconcileAtStart = false
        configuration.forge = ForgeSettings(apiBaseURL: options.forgeURL, repository: ForgeRepository(options.forgeRepo), credentials: .token(token))
        configuration.isolation = .none
        configuration.runnerWorkers = 1
        configuration.evidenceRetention = nil
        // As `slipway serve` does before its threads start.
        MallocArenas.limit()
        let bot = try BotApplication.build(configuration: configuration, logger: Logger(sink: StandardErrorLogSink(format: .json), minimumLevel: .warning))
        try bot.start()
        guard let reconciler = bot.reconciler else { throw SoakError("the bot has no reconciler") }
        emit("ready \(bot.port)")

        let state = SoakCounters()
        let stop = StopFlag()
        let loop = Thread {
            while !stop.isSet {
                do {
                    try reconciler.reconcile(trigger: "reconcile")
                    state.reconciled()
                } catch {
                    state.failed()
                }
            }
            stop.loopDone()
        }
        loop.name = "soak-reconcile"
        loop.start()
        // Stdin closing (the parent is done or gone) stops the bot.
        let watcher = Thread {
            var byte: UInt8 = 0
            while read(0, &byte, 1) > 0 {}
            stop.set()
        }
        watcher.start()
        while !stop.isSet {
            let pending = (try? bot.store.pendingJobs().count) ?? -1
            let depth = (try? bot.store.journalDepth()) ?? -1
            let (reconciles, failures) = state.snapshot
            emit("status \(reconciles) \(pending) \(failures) \(depth)")
            Thread.sleep(forTimeInterval: 0.2)
        }
        stop.waitForLoop()
        bot.runner?.stopApplications()
        bot.stop()
    }

    static func emit(_ line: String) {
        let data = Array((line + "\n").utf8)
        data.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
    }
}

/// Reconciles done and failed, shared between the loop and the reporter.
final class SoakCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var reconciles = 0
    private var failures = 0

    func reconciled() { lock.withLock { reconciles += 1 } }
    func failed() { lock.withLock { failures += 1 } }
    var snapshot: (Int, Int) { lock.withLock { (reconciles, failures) } }
}

/// Set once to stop; the reconcile loop says when it has finished its last reconcile.
final class StopFlag: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopping = false
    private var loopFinished = false

    var isSet: Bool { condition.withLock { stopping } }
    func set() { condition.withLock { stopping = true } }

    func loopDone() {
        condition.withLock {
            loopFinished = true
            condition.broadcast()
        }
    }

    func waitForLoop() {
        condition.lock()
        while !loopFinished { condition.wait() }
        condition.unlock()
    }
}

struct SoakError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
