import CProcess
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs one command to completion on the calling thread (which reads its output, so each child
/// has a thread of its own): output redacted into a log, a timeout, cancellation, and the whole
/// process group stopped when the command ends, times out or is cancelled. The log keeps at
/// most `outputLimit` bytes of output (its head and tail, the cut marked), streamed.
struct StepRunner {
    /// SIGTERM → SIGKILL delay.
    var grace: TimeInterval
    /// The most output a step keeps in its log (head and tail; nil: no bound).
    var outputLimit: Int? = nil

    struct Result: Sendable {
        var exitCode: Int32?
        /// `timeout` or `cancelled`.
        var killedBecause: String?
        var startedAt: Date
        var duration: TimeInterval
        /// The pid (and process group) the step ran as.
        var processGroup: pid_t
    }

    /// Runs `command`, appending its redacted output to `logPath`. `started` is told the pid as
    /// soon as the child exists (to record it for cleanup after a crash of the bot).
    func run(_ command: ChildCommand, logPath: String, secrets: [String], timeout: TimeInterval,
             cancellation: CancellationToken, started: (pid_t) -> Void = { _ in }) throws(RunnerError) -> Result {
        let writer = try RedactingLogWriter(path: logPath, secrets: secrets, limit: outputLimit)
        var fds: [Int32] = [0, 0]
        guard slipway_pipe_cloexec(&fds) == 0 else { throw RunnerError.system("pipe2", errno) }
        let readFD = fds[0], writeFD = fds[1]
        let startedAt = Date()
        let pid: pid_t
        do {
            pid = try command.spawn(output: .descriptor(writeFD))
        } catch {
            close(readFD)
            close(writeFD)
            throw error
        }
        close(writeFD)
        defer { close(readFD) }
        started(pid)
        let group = ProcessGroup(id: pid)
        let deadline = startedAt.addingTimeInterval(timeout)
        var status: Int32?
        var killedBecause: String?
        var outputOpen = true
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        // After the leader exits, output held open by leftovers is drained for at most this long.
        var drainUntil: Date?

        while outputOpen || status == nil {
            if outputOpen {
                var poller = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, 50)
                if ready > 0 {
                    let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                    if count > 0 {
                        writer.write(Array(buffer[..<count]))
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        outputOpen = false
                    }
                }
            } else {
                usleep(10_000)
            }
            if status == nil {
                var raw: Int32 = 0
                let reaped = waitpid(pid, &raw, WNOHANG)
                if reaped == pid {
                    ChildReaper.shared.forget(pid)
                    status = raw
                } else if reaped < 0 && errno == ECHILD {
                    status = 255 << 8  // reaped elsewhere: the status is lost
                }
            }
            if status != nil {
                // The command is done: nothing it left behind may keep running.
                if group.exists {
                    group.terminate(grace: grace)
                }
                if drainUntil == nil { drainUntil = Date().addingTimeInterval(2) }
                if let drainUntil, Date() >= drainUntil { outputOpen = false }
                continue
            }
            if killedBecause == nil {
                if let reason = cancellation.reason {
                    killedBecause = "cancelled"
                    writer.write("\n[slipway] cancelled: \(reason)\n")
                } else if Date() >= deadline {
                    killedBecause = "timeout"
                    writer.write("\n[slipway] timed out after \(Duration(milliseconds: Int64(timeout * 1000)))\n")
                }
                if killedBecause != nil {
                    if let raw = group.terminate(grace: grace, leader: pid) { status = raw }
                }
            }
        }
        writer.finish()
        let exit = status.map { ExitStatus(raw: $0) }
        return Result(exitCode: exit?.code, killedBecause: killedBecause, startedAt: startedAt,
                      duration: Date().timeIntervalSince(startedAt), processGroup: pid)
    }
}

import SlipwayCore
