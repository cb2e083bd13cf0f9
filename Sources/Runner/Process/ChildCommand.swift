import CProcess
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One command to run as a child: `/bin/sh -c <shell>` in `directory` with exactly
/// `environment` (never the bot's own), in a new session so it leads its own process group;
/// confined in `sandbox` when one is given (isolation mode `sandbox`).
struct ChildCommand: Sendable {
    var shell: String
    var environment: [String: String]
    var directory: String
    var sandbox: Sandbox?

    init(shell: String, environment: [String: String], directory: String, sandbox: Sandbox? = nil) {
        self.shell = shell
        self.environment = environment
        self.directory = directory
        self.sandbox = sandbox
    }

    /// Where the child's stdout and stderr go.
    enum Output {
        /// The write end of a pipe we read.
        case descriptor(Int32)
        /// A FIFO the child opens read-write (so it never sees EPIPE while the bot restarts).
        case fifo(String)
    }

    /// Starts the child and returns its pid (which is also its process group and session id).
    /// Signals blocked or ignored by the bot are reset; every descriptor above 2 is closed.
    func spawn(output: Output) throws(RunnerError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        switch output {
        case .descriptor(let fd):
            posix_spawn_file_actions_adddup2(&actions, fd, 1)
            posix_spawn_file_actions_adddup2(&actions, fd, 2)
        case .fifo(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_RDWR, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        slipway_spawn_addchdir(&actions, directory)
        slipway_spawn_addclosefrom(&actions, 3)

        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let flags = Int32(slipway_spawn_setsid) | Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let command = ["/bin/sh", "-c", shell]
        let arguments = sandbox?.arguments(command: command, directory: directory) ?? command
        let program = arguments[0]
        // The environment goes through envp only: the sandbox's tools pass it on unchanged, and
        // the command line (readable by anyone in /proc/<pid>/cmdline) holds no value of it.
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { (text: String) in strdup(text) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }.map { (pair: (key: String, value: String)) in strdup("\(pair.key)=\(pair.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // Tracked before it can exit: the reaper of orphans never takes its exit status.
        return try ChildReaper.shared.spawn { () throws(RunnerError) -> pid_t in
            var pid: pid_t = 0
            let result = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
            guard result == 0 else { throw RunnerError.system("posix_spawn", result, "\(program) in \(directory)") }
            return pid
        }
    }
}
