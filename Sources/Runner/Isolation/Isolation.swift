import CProcess
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The host-level side of environment isolation: whether this host can sandbox environments,
/// and protecting the bot's own process.
public enum Isolation {
    /// Whether environments can run in sandboxes here: the bot must be root (it gives each
    /// environment a uid of its own, which needs CAP_SETUID), bubblewrap, prlimit and setpriv
    /// must be installed, and a trial sandbox (new mount, PID, IPC and UTS namespaces, switch to
    /// an unused uid) must run. Spawns one short process; call it at start, not per request.
    public static func probe() -> IsolationCapability {
        let tools: SandboxTools
        switch SandboxTools.locate() {
        case .success(let found): tools = found
        case .failure(let missing):
            return IsolationCapability(available: false, reason: "environments cannot be isolated: \(missing.names.joined(separator: " and ")) not installed; install it (scripts/install-deps.sh), or run with --isolation none to run builds and apps unconfined as the bot's user")
        }
        guard geteuid() == 0 else {
            return IsolationCapability(available: false, reason: "environments cannot be isolated: the bot runs as uid \(geteuid()), and giving each environment its own uid needs root; run the bot as root, or with --isolation none to run builds and apps unconfined as the bot's user")
        }
        // A trial: the same kind of sandbox as a build, as a uid nobody uses, running `true`.
        let trial = Sandbox(tools: tools, identity: IsolationIdentity(uid: 65_534, gid: 65_534), writable: [], hidden: [],
                            limits: EnvironmentLimits(processes: 64, openFiles: 64, fileSize: 1 << 20))
        let command = ChildCommand(shell: "exit 0", environment: ["PATH": ChildEnvironment.path], directory: "/", sandbox: trial)
        var fds: [Int32] = [0, 0]
        guard slipway_pipe_cloexec(&fds) == 0 else {
            return IsolationCapability(available: false, reason: "environments cannot be isolated: pipe2 failed (\(String(cString: strerror(errno))))")
        }
        defer { close(fds[0]) }
        let pid: pid_t
        do {
            pid = try command.spawn(output: .descriptor(fds[1]))
        } catch {
            close(fds[1])
            return IsolationCapability(available: false, reason: "environments cannot be isolated: cannot start \(tools.bwrap): \(error.message)")
        }
        close(fds[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while output.count < 16 * 1024 {
            let count = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if count > 0 { output += buffer[..<count] } else if count == 0 || errno != EINTR { break }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        ChildReaper.shared.forget(pid)
        let exit = ExitStatus(raw: status)
        guard exit.code == 0 else {
            let said = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return IsolationCapability(available: false, reason: "environments cannot be isolated: a trial sandbox failed (exit \(exit.code)\(said.isEmpty ? "" : ": \(said.prefix(300))")); the host must allow mount and PID namespaces, or run with --isolation none to run builds and apps unconfined as the bot's user")
        }
        return IsolationCapability(available: true, reason: "environments run in sandboxes: own uid, mount, PID, IPC and UTS namespaces (\(tools.bwrap)), resource limits", tools: tools)
    }

    /// Marks the bot's process non-dumpable (`PR_SET_DUMPABLE` 0): no core dumps of its memory
    /// (tokens, secrets), and no process of the same uid may ptrace it or read its
    /// `/proc/<pid>/environ`, `mem` or `maps`. Call once at start, before reading secrets.
    public static func makeBotNonDumpable() throws(RunnerError) {
        guard slipway_set_not_dumpable() == 0 else { throw RunnerError.system("prctl(PR_SET_DUMPABLE, 0)", errno) }
    }

    /// Whether this process is dumpable (false after `makeBotNonDumpable()`).
    public static var isBotDumpable: Bool {
        slipway_get_dumpable() == 1
    }
}
