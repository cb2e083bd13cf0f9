import Foundation

/// Stops every process whose working directory is under a folder (by process group).
public enum ProcessSweep {
    public static func pids(under path: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") else { return false }
            return cwd.hasPrefix(path)
        }
    }

    public static func stopAll(under path: String) {
        for pid in pids(under: path) {
            let group = getpgid(pid)
            if group > 1 && group != getpgrp() { kill(-group, SIGKILL) } else { kill(pid, SIGKILL) }
        }
    }
}
