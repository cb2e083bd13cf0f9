import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child's process group (its pid, since children start in their own session): signals,
/// reaping, and the SIGTERM → grace → SIGKILL teardown of every process in it.
struct ProcessGroup: Sendable, Equatable {
    let id: pid_t

    /// Whether any process (zombies included) is still in the group.
    var exists: Bool {
        if kill(-id, 0) == 0 { return true }
        return errno == EPERM
    }

    func signal(_ signal: Int32) {
        _ = kill(-id, signal)
    }

    /// Reaps every exited child of ours in the group (the leader and, since the bot is a child
    /// subreaper, orphans reparented to us). Returns the leader's wait status if it was reaped.
    @discardableResult
    func reap(leader: pid_t? = nil) -> Int32? {
        var leaderStatus: Int32?
        while true {
            var status: Int32 = 0
            let reaped = waitpid(-id, &status, WNOHANG)
            if reaped <= 0 { break }
            ChildReaper.shared.forget(reaped)
            if reaped == leader { leaderStatus = status }
        }
        return leaderStatus
    }

    /// Stops the whole group: SIGTERM, then SIGKILL after `grace` seconds, and waits (bounded)
    /// until no process of it is left. Returns the leader's wait status if it was reaped here.
    @discardableResult
    func terminate(grace: TimeInterval, leader: pid_t? = nil) -> Int32? {
        var leaderStatus = reap(leader: leader)
        guard exists else { return leaderStatus }
        signal(SIGCONT)
        signal(SIGTERM)
        let killAt = Date().addingTimeInterval(grace)
        let giveUpAt = killAt.addingTimeInterval(10)
        var killed = false
        while exists {
            if let status = reap(leader: leader) { leaderStatus = status }
            if !exists { break }
            let now = Date()
            if !killed && now >= killAt {
                signal(SIGKILL)
                killed = true
            }
            if now >= giveUpAt { break }
            usleep(5_000)
        }
        return leaderStatus
    }
}

/// The exit of a child: a code, or the signal that ended it.
struct ExitStatus: Sendable, Equatable {
    let raw: Int32

    var signal: Int32? { raw & 0x7f == 0 ? nil : raw & 0x7f }
    /// The shell convention: the exit code, or 128 + signal.
    var code: Int32 { signal.map { 128 + $0 } ?? (raw >> 8) & 0xff }
}

/// What `/proc/<pid>/stat` says about a process: its state and its start time (field 22, in
/// clock ticks since boot), which with the pid identifies one process across pid reuse.
struct ProcStat: Sendable, Equatable {
    let state: Character
    let startTime: UInt64

    var isAlive: Bool { state != "Z" && state != "X" && state != "x" }

    static func read(_ pid: pid_t) -> ProcStat? {
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        return ProcStat(state: state, startTime: start)
    }

    /// Whether `pid` is alive and started at `startTime` (so it is the process we recorded).
    static func matches(pid: pid_t, startTime: UInt64) -> Bool {
        guard let stat = read(pid) else { return false }
        return stat.isAlive && stat.startTime == startTime
    }
}
