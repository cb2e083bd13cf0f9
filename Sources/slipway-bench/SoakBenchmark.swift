import Crypto
import Demo
import FakeGitHub
import Foundation
import Git
import HTTPClient
import HTTPTypes

/// Endurance: the bot (a child process, see `SoakBot`) through many reconciles and signed
/// deliveries over a repository with many open PRs, with its resident memory read from
/// `/proc/<pid>/status` at the start (after the first deploys and a warm-up), the middle and
/// the end. Goals: growth under 5 MB over the run, peak under 64 MiB.
///
/// The PRs are opened by signed `pull_request` deliveries (same-repository head and base) and
/// listed by a fake GitHub in this process; each environment deploys once with a command driver
/// running `true` (no build), so the runner's work is done before the measured part starts.
/// After that, the deliveries repeat each PR's current head (`synchronize`, `edited`), so no
/// job is queued while the bot is measured: it only journals, decodes, reconciles and plans.
enum SoakBenchmark {
    struct Options {
        var prs = 200
        var reconciles = 10_000
        var deliveries = 20_000
        var senders = 4
        /// Hard stop, so a regression that slows the bot cannot hang the benchmark.
        var timeLimit: TimeInterval = 3600
    }

    static let growthGoalMB = 5.0
    static let peakGoalMiB = 64.0

    static let previewSpec = """
    kind: preview
    name: "pr-{{pr.number}}"
    match: { pull_request: { base: main } }
    deploy: { driver: command, run: "true" }
    neutralize: { mail: catch-all, crons: off }
    """
    static let stagingSpec = """
    kind: staging
    name: staging
    match: { branch: main }
    deploy: { driver: command, run: "true" }
    neutralize: { mail: catch-all, crons: off }
    """

    static func run(_ options: Options) throws -> Bool {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-soak-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let started = Date()

        print("building a repository with \(options.prs) open PRs ...")
        let author = Signature(name: "soak", email: "soak@example.com")
        let remote = try Repository.create(at: root + "/remote.git", bare: true)
        let main = try remote.commit(changes: [
            "environments/preview.yaml": .write(Data(previewSpec.utf8)),
            "environments/staging.yaml": .write(Data(stagingSpec.utf8)),
            "README.md": .write(Data("soak\n".utf8)),
        ], onBranch: "main", parent: nil, author: author, message: "base")
        let payloads = WebhookPayloads(owner: "soak", name: "app")
        let token = "ghp_soak" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let forge = FakeGitHub(owner: payloads.owner, repo: payloads.name, token: token)
        try forge.start()
        defer { forge.stop() }
        var heads: [Int: String] = [:]
        for number in 1...options.prs {
            let head = try remote.commit(changes: ["features/\(number).txt": .write(Data("feature \(number)\n".utf8))],
                                         onBranch: "refs/heads/pr-\(number)", parent: main, author: author, message: "feature \(number)")
            try remote.updateReference(name: "refs/pull/\(number)/head", to: head, expected: nil)
            heads[number] = head.hex
            forge.addPullRequest(number: number, headSHA: head.hex, headRef: "pr-\(number)")
        }

        let secret = "soak-secret-" + UUID().uuidString.lowercased()
        try Data(secret.utf8).write(to: URL(fileURLWithPath: root + "/secret"))
        try Data(token.utf8).write(to: URL(fileURLWithPath: root + "/token"))
        let child = try SoakChild(arguments: [
            "soak-bot", "--repo", root + "/remote.git", "--work-dir", root + "/bot", "--secret-file", root + "/secret",
            "--forge-url", forge.baseURL, "--forge-token-file", root + "/token", "--forge-repo", payloads.fullName,
        ], stderrPath: root + "/bot.err")
        defer { child.stop() }
        let port = try child.waitForReady(timeout: 60)
        let url = "http://127.0.0.1:\(port)/webhook"
        let atReady = child.memory()

        // The deliveries: signed, over HTTP, from a few sender threads.
        let sender = DeliverySender(url: url, secret: secret)
        let allPRs = Array(1...options.prs)
        print("opening the \(options.prs) PRs by webhook and deploying them (command driver, `true`) ...")
        try sender.send(allPRs.map { payloads.pullRequest(action: "opened", number: $0, headSHA: heads[$0]!, headRef: "pr-\($0)") },
                        threads: options.senders)
        let deadline = started.addingTimeInterval(options.timeLimit)
        try child.waitUntil(deadline: deadline, "the first deploys") { $0.pendingJobs == 0 && $0.journalDepth == 0 && $0.reconciles >= 2 }
        // Warm-up: caches, SQLite's page cache and the allocator's arenas settle.
        let warmUp = max(1, options.reconciles / 50)
        let warmDeliveries = max(1, options.deliveries / 50)
        try sender.send((0..<warmDeliveries).map { index in repeated(payloads, heads, allPRs, index) }, threads: options.senders)
        let base = child.status.reconciles
        try child.waitUntil(deadline: deadline, "the warm-up") { $0.reconciles >= base + warmUp && $0.journalDepth == 0 }
        let start = child.memory()
        let startStatus = child.status
        let setupSeconds = Date().timeIntervalSince(started)
        print(String(format: "ready after %.0f s; measuring %d reconciles and %d deliveries ...", setupSeconds, options.reconciles, options.deliveries))

        // The measured run: deliveries keep pace with the reconciles (two per reconcile by
        // default), so both spread over the whole run.
        let measureStart = Date()
        var sent = 0
        var middle: SoakChild.Memory?
        var timedOut = false
        var peakRSS = start.rssKB
        while true {
            let status = child.status
            let done = status.reconciles - startStatus.reconciles
            if middle == nil, done >= options.reconciles / 2, sent >= options.deliveries / 2 { middle = child.memory() }
            if done >= options.reconciles, sent >= options.deliveries, status.journalDepth == 0 { break }
            guard child.isRunning else { throw SoakError("the bot exited (see its stderr)") }
            if Date() >= deadline {
                timedOut = true
                break
            }
            let due = min(options.deliveries, Int(Double(options.deliveries) * Double(done + 1) / Double(max(1, options.reconciles))) + options.senders * 8)
            if sent < due, status.journalDepth < 256 {
                let batch = min(due - sent, options.senders * 16)
                try sender.send((0..<batch).map { repeated(payloads, heads, allPRs, warmDeliveries + sent + $0) }, threads: options.senders)
                sent += batch
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
            peakRSS = max(peakRSS, child.memory().rssKB)
            if sent % 2000 < options.senders * 16 { forge.clearRequests() }
        }
        let end = child.memory()
        let endStatus = child.status
        let seconds = Date().timeIntervalSince(measureStart)
        peakRSS = max(peakRSS, end.rssKB)

        let growthMB = Double(end.rssKB - start.rssKB) * 1024 / 1e6
        let peakMiB = Double(max(end.hwmKB, peakRSS)) / 1024
        func mib(_ kb: Int) -> String { String(format: "%6.1f MiB", Double(kb) / 1024) }
        print("")
        print("soak: \(options.prs) open PRs; \(endStatus.reconciles - startStatus.reconciles) reconciles by the loop and \(sent) signed deliveries in "
              + String(format: "%.0f s (setup %.0f s)", seconds, setupSeconds))
        print("  (on a bot where each delivery runs a reconcile, that is one more reconcile per delivery;")
        print("   reconcile failures: \(endStatus.failures - startStatus.failures), jobs queued at the end: \(endStatus.pendingJobs))")
        print("bot RSS (VmRSS of pid \(child.pid)):")
        print("  when listening      \(mib(atReady.rssKB))")
        print("  start (after warm-up) \(mib(start.rssKB))")
        print("  middle              \(mib(middle?.rssKB ?? end.rssKB))")
        print("  end                 \(mib(end.rssKB))")
        if timedOut {
            print("  STOPPED at the time limit (--time-limit \(Int(options.timeLimit)) s) before the counts were reached: the figures cover the part that ran")
        }
        let growthOK = growthMB < growthGoalMB
        let peakOK = peakMiB < peakGoalMiB
        print(String(format: "  growth start->end  %+6.2f MB   (goal < %.0f MB)   %@", growthMB, growthGoalMB, growthOK ? "ok" : "MISSED"))
        print(String(format: "  peak (VmHWM)       %6.1f MiB  (goal < %.0f MiB)  %@", peakMiB, peakGoalMiB, peakOK ? "ok" : "MISSED"))
        return growthOK && peakOK && !timedOut
    }

    /// The `index`th measured delivery: a PR's current head again (no new job), alternating
    /// between `synchronize` and `edited`.
    static func repeated(_ payloads: WebhookPayloads, _ heads: [Int: String], _ prs: [Int], _ index: Int) -> Data {
        let number = prs[index % prs.count]
        return payloads.pullRequest(action: index % 2 == 0 ? "synchronize" : "edited", number: number, headSHA: heads[number]!,
                                    headRef: "pr-\(number)")
    }
}

/// Sends signed `pull_request` deliveries to the bot over HTTP, from a few threads.
final class DeliverySender: @unchecked Sendable {
    let url: String
    let secret: String
    private let lock = NSLock()
    private var counter = 0

    init(url: String, secret: String) {
        self.url = url
        self.secret = secret
    }

    /// Sends every body; throws when one is not accepted.
    func send(_ bodies: [Data], threads: Int) throws {
        let failures = SoakFailures()
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { worker in
            let client = HTTPClient()
            for index in stride(from: worker, to: bodies.count, by: max(1, threads)) {
                let id = lock.withLock { () -> Int in counter += 1; return counter }
                var headers = HTTPHeaders()
                headers.add("Content-Type", "application/json")
                headers.add("X-GitHub-Event", "pull_request")
                headers.add("X-GitHub-Delivery", "soak-\(id)")
                headers.add("X-Hub-Signature-256", WebhookSignature.sign(body: bodies[index], secret: secret))
                do {
                    let status = try client.send(HTTPClientRequest(method: "POST", url: url, headers: headers, body: bodies[index])).status
                    if status != 202 && status != 200 { failures.add("the bot answered \(status)") }
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        if let first = failures.first { throw SoakError("a delivery was not accepted: \(first)") }
    }
}

final class SoakFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { if messages.count < 10 { messages.append(message) } } }
    var first: String? { lock.withLock { messages.first } }
}

/// The bot child process: started from this executable in `soak-bot` mode, its status lines
/// read on a thread, its memory read from `/proc`.
final class SoakChild: @unchecked Sendable {
    struct Status {
        var reconciles = 0
        var pendingJobs = -1
        var failures = 0
        var journalDepth = -1
    }

    struct Memory {
        var rssKB: Int
        var hwmKB: Int
    }

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let condition = NSCondition()
    private var port: Int?
    private var latest = Status()
    private var ended = false

    init(arguments: [String], stderrPath: String) throws {
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        guard let executable = Bundle.main.executableURL else { throw SoakError("cannot tell where slipway-bench is") }
        process.executableURL = executable
        process.arguments = arguments
        // Profiling aid: SLIPWAY_SOAK_BOT_WRAPPER="heaptrack -o /tmp/soak" runs the bot under a
        // tool (the memory then read is the wrapper's, not the bot's: for finding leaks only).
        if let wrapper = ProcessInfo.processInfo.environment["SLIPWAY_SOAK_BOT_WRAPPER"], !wrapper.isEmpty {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = wrapper.split(separator: " ").map(String.init) + [executable.path] + arguments
        }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        let reader = Thread { [self] in readLines() }
        reader.start()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var status: Status { condition.withLock { latest } }

    private func readLines() {
        let handle = output.fileHandleForReading
        var buffer = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                let fields = line.split(separator: " ").map(String.init)
                condition.withLock {
                    if fields.first == "ready", fields.count == 2 { port = Int(fields[1]) }
                    if fields.first == "status", fields.count == 5 {
                        latest = Status(reconciles: Int(fields[1]) ?? 0, pendingJobs: Int(fields[2]) ?? -1,
                                        failures: Int(fields[3]) ?? 0, journalDepth: Int(fields[4]) ?? -1)
                    }
                    condition.broadcast()
                }
            }
        }
        condition.withLock {
            ended = true
            condition.broadcast()
        }
    }

    func waitForReady(timeout: TimeInterval) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while port == nil, !ended, Date() < deadline { _ = condition.wait(until: deadline) }
        guard let port else { throw SoakError("the bot did not start (see its stderr)") }
        return port
    }

    /// Waits for a status line satisfying `check` (status lines come every 200 ms).
    func waitUntil(deadline: Date, _ what: String, _ check: (Status) -> Bool) throws {
        condition.lock()
        defer { condition.unlock() }
        while !check(latest) {
            guard !ended else { throw SoakError("the bot exited while waiting for \(what) (see its stderr)") }
            guard Date() < deadline else { throw SoakError("timed out waiting for \(what): \(latest)") }
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(1)))
        }
    }

    /// VmRSS and VmHWM of the child, in kB.
    func memory() -> Memory {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return Memory(rssKB: field("VmRSS"), hwmKB: field("VmHWM"))
    }

    /// Closes the child's stdin (it stops the bot and exits) and waits for it.
    func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
