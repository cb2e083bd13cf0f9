import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The uid and gid one environment's processes run as (`IdentityAllocator`).
struct IsolationIdentity: Sendable, Equatable {
    var uid: UInt32
    var gid: UInt32
}

/// The limits in force for one environment's processes: the spec's, filled with the runner's
/// defaults and capped by its maximums.
struct EnvironmentLimits: Sendable, Equatable {
    var processes: Int
    var openFiles: Int
    var fileSize: Int64
}

/// How one child is confined: the bubblewrap command line that wraps `/bin/sh -c <shell>`.
///
/// The child sees read-only `/usr`, `/bin`, `/lib*`, `/sbin` and `/etc` (with the files in
/// `hidden` replaced by empty ones), its `writable` directories at their host paths (its
/// checkout slot and home), a private `/tmp` and `/var/tmp`, a minimal `/dev`, and the `/proc` of
/// its own PID namespace — nothing else of the host's file system. Inside, `prlimit` sets the
/// limits (soft = hard, so the child cannot raise them) and `setpriv` switches to the
/// environment's uid and gid with no supplementary groups, no capabilities (bounding set
/// emptied) and `no_new_privs`. The environment (and so every secret) reaches the child through
/// `envp` only, never the command line, which any local user can read in `/proc/<pid>/cmdline`.
///
/// No `--die-with-parent`: an app must survive a restart of the bot, which adopts it. The
/// sandbox's init (bubblewrap, PID 1 of the namespace) ends when the command does, and the
/// kernel then kills everything left in the namespace (`setsid` and double forks included);
/// stopping the process group (outer bubblewrap, init, command) does the same at teardown.
struct Sandbox: Sendable, Equatable {
    var tools: SandboxTools
    var identity: IsolationIdentity
    /// Host directories bound read-write at the same path (checkout slot, home).
    var writable: [String]
    /// Files and directories under `/etc` the child must not read (replaced by empty ones).
    var hidden: [String]
    var limits: EnvironmentLimits

    /// Host directories bound read-only, when they exist (symbolic links are recreated).
    static let systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"]

    /// The sensitive files of a Debian host under `/etc` (the default of `RunnerConfiguration.sandboxHiddenPaths`).
    static let defaultHidden = ["/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
                                "/etc/ssh", "/etc/ssl/private", "/etc/slipway"]

    /// The program to execute and its argv (argv[0] included) to run `command` in `directory`.
    func arguments(command: [String], directory: String) -> [String] {
        var args = [tools.bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "slipway-sandbox"]
        let files = FileManager.default
        for path in Self.systemPaths {
            if let target = try? files.destinationOfSymbolicLink(atPath: path) {
                args += ["--symlink", target, path]
            } else if files.fileExists(atPath: path) {
                args += ["--ro-bind", path, path]
            }
        }
        for path in hidden {
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                args += ["--perms", "0755", "--tmpfs", path, "--remount-ro", path]
            } else {
                // A device bind (plain binds are nodev, which would refuse reads): reads are
                // empty, writes are discarded.
                args += ["--dev-bind", "/dev/null", path]
            }
        }
        // Name resolution where /etc/resolv.conf points into /run (systemd-resolved).
        args += ["--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve"]
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/var/tmp"]
        var made: Set<String> = ["/", "/tmp", "/var/tmp"]
        for path in writable {
            // The parents exist in the sandbox's own root, traversable by the environment's uid.
            var parents: [String] = []
            var parent = (path as NSString).deletingLastPathComponent
            while !made.contains(parent) && parent != "/" && !parent.isEmpty {
                parents.insert(parent, at: 0)
                parent = (parent as NSString).deletingLastPathComponent
            }
            for directory in parents {
                args += ["--perms", "0755", "--dir", directory]
                made.insert(directory)
            }
            args += ["--bind", path, path]
            made.insert(path)
        }
        args += ["--chdir", directory, "--"]
        args += [tools.prlimit, "--nproc=\(limits.processes):\(limits.processes)", "--nofile=\(limits.openFiles):\(limits.openFiles)",
                 "--fsize=\(limits.fileSize):\(limits.fileSize)", "--"]
        args += [tools.setpriv, "--reuid=\(identity.uid)", "--regid=\(identity.gid)", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs", "--"]
        return args + command
    }
}
