import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps one long-running app (the `process` driver's `deploy.run`) alive on its own thread:
/// reads its output from a FIFO into the redacted `app.log`, notices when it dies (`waitpid` on
/// its group, and `/proc` for an adopted one that is not our child), and restarts it with exponential backoff
/// until a limit, then gives up. The log is rotated when it reaches `Policy.logLimit`. `stop()`
/// stops the whole process group; `detach()` leaves it running for the next bot to adopt.
final class AppSupervisor: @unchecked Sendable {
    struct Launch: Sendable {
        var command: ChildCommand
        var port: Int
        var slot: String
        var fifo: String
        var logPath: String
        var secrets: [String]
        var label: String
    }

    struct Policy: Sendable {
        var restartLimit: Int
        var firstBackoff: TimeInterval
        var maxBackoff: TimeInterval
        /// A run at least this long resets the restart count.
        var stableAfter: TimeInterval
        var grace: TimeInterval
        /// The log is rotated (to `<log>.1`, replacing it) when it reaches this size.
        var logLimit: Int = .max
    }

    enum Event: Sendable {
        case restarted(pid: pid_t, start: UInt64)
        case gaveUp(String)
    }

    let launch: Launch
    private let policy: Policy
    private let onEvent: @Sendable (AppSupervisor, Event) -> Void
    private let condition = NSCondition()
    private var pid: pid_t = 0
    private var startTime: UInt64 = 0
    private var restartsEnabled: Bool
    private var stopRequested = false
    private var detachRequested = false
    private var finished = false
    private var exitDescription: String?
    private var readFD: Int32 = -1

    init(launch: Launch, policy: Policy, restartsEnabled: Bool, onEvent: @escaping @Sendable (AppSupervisor, Event) -> Void) {
        self.launch = launch
        self.policy = policy
        self.restartsEnabled = restartsEnabled
        self.onEvent = onEvent
    }

    /// Starts the app and its supervising thread.
    func start() throws(RunnerError) -> (pid: pid_t, start: UInt64) {
        try openFIFO()
        do {
            try spawn()
        } catch {
            close(readFD)
            throw error
        }
        startThread()
        return current
    }

    /// Supervises an app a previous bot started (it is not our child).
    func adopt(pid: pid_t, start: UInt64) throws(RunnerError) {
        try openFIFO()
        condition.lock()
        self.pid = pid
        startTime = start
        condition.unlock()
        startThread()
    }

    var current: (pid: pid_t, start: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        return (pid, startTime)
    }

    /// Set when the app exited while restarts were off (a candidate that died before healthy).
    var exited: String? {
        condition.lock()
        defer { condition.unlock() }
        return exitDescription
    }

    func enableRestarts() {
        condition.lock()
        restartsEnabled = true
        condition.unlock()
    }

    /// Stops supervising and stops the whole process group. Idempotent.
    func stop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        while !finished { condition.wait() }
        let group = ProcessGroup(id: pid)
        let (leader, start) = (pid, startTime)
        condition.unlock()
        if leader > 0 && (ProcStat.matches(pid: leader, startTime: start) || group.exists) {
            group.terminate(grace: policy.grace, leader: leader)
        }
    }

    /// Stops supervising and leaves the app running (the bot is shutting down). Idempotent.
    func detach() {
        condition.lock()
        detachRequested = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func openFIFO() throws(RunnerError) {
        // Read-write: the FIFO never reports end-of-file or hang-up between app restarts.
        let fd = open(launch.fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw RunnerError.system("open", errno, launch.fifo) }
        readFD = fd
    }

    private func spawn() throws(RunnerError) {
        let child = try launch.command.spawn(output: .fifo(launch.fifo))
        let start = ProcStat.read(child)?.startTime ?? 0
        condition.lock()
        pid = child
        startTime = start
        condition.unlock()
    }

    private func startThread() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "slipway-app-\(launch.label)"
        thread.start()
    }

    private func loop() {
        var writer: RedactingLogWriter? = try? RedactingLogWriter(path: launch.logPath, secrets: launch.secrets)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var consecutive = 0
        var runningSince = Date()
        var detach = false
        func drain() {
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                guard count > 0 else { return }
                writer?.write(Array(buffer[..<count]))
                if let size = writer?.size, size >= policy.logLimit {
                    // Bounded: the full log becomes `.1` (the one before is dropped).
                    writer?.finish()
                    rename(launch.logPath, launch.logPath + ".1")
                    writer = try? RedactingLogWriter(path: launch.logPath, secrets: launch.secrets)
                }
            }
        }
        writer?.write("[slipway] \(launch.label): pid \(current.pid) on port \(launch.port)\n")
        supervising: while true {
            var poller = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 100) > 0 { drain() }

            condition.lock()
            let (leader, start) = (pid, startTime)
            let stopping = stopRequested
            detach = detachRequested
            condition.unlock()
            if stopping || detach { break }

            let group = ProcessGroup(id: leader)
            var exitCode: Int32?
            var dead = false
            // Our own child is reaped here (with any orphans of its group); an adopted one is
            // checked through /proc (a zombie or a reused pid counts as gone).
            if let status = group.reap(leader: leader) {
                dead = true
                exitCode = ExitStatus(raw: status).code
            } else if !ProcStat.matches(pid: leader, startTime: start) {
                dead = true
            }
            guard dead else { continue }

            group.terminate(grace: policy.grace)
            drain()
            let description = "the app exited" + (exitCode.map { " with code \($0)" } ?? "")
            writer?.write("[slipway] \(description)\n")
            condition.lock()
            let restarts = restartsEnabled
            if !restarts { exitDescription = description }
            condition.unlock()
            guard restarts else { break }

            if Date().timeIntervalSince(runningSince) >= policy.stableAfter { consecutive = 0 }
            consecutive += 1
            if consecutive > policy.restartLimit {
                let reason = "\(description); gave up after \(policy.restartLimit) restarts"
                writer?.write("[slipway] \(reason)\n")
                onEvent(self, .gaveUp(reason))
                break
            }
            let backoff = min(policy.firstBackoff * pow(2, Double(consecutive - 1)), policy.maxBackoff)
            writer?.write("[slipway] restarting in \(String(format: "%.1f", backoff)) s (restart \(consecutive) of \(policy.restartLimit))\n")
            condition.lock()
            let wakeAt = Date().addingTimeInterval(backoff)
            while !stopRequested && !detachRequested && Date() < wakeAt {
                _ = condition.wait(until: wakeAt)
            }
            let cancelled = stopRequested || detachRequested
            condition.unlock()
            if cancelled { break }
            do {
                try spawn()
                runningSince = Date()
                let now = current
                writer?.write("[slipway] \(launch.label): restarted as pid \(now.pid) on port \(launch.port)\n")
                onEvent(self, .restarted(pid: now.pid, start: now.start))
            } catch {
                writer?.write("[slipway] cannot restart the app: \(error)\n")
                onEvent(self, .gaveUp("cannot restart the app: \(error)"))
                break supervising
            }
        }
        drain()
        writer?.finish()
        close(readFD)
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}
