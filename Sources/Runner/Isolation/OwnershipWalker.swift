import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Gives a directory tree to an environment's uid (its checkout slot after the bot checked it
/// out, its home) without following symbolic links, even if a process of that uid swaps a
/// directory for a link while the walk runs: every step is relative to an open directory
/// (`openat` with `O_NOFOLLOW`, `fchownat` with `AT_SYMLINK_NOFOLLOW`), so nothing outside the
/// tree can be reached. Entries with several hard links are left alone (a link to a file of the
/// bot's would otherwise be handed over).
enum OwnershipWalker {
    /// Deeper directories than this are left to their current owner (bounds open descriptors).
    static let maxDepth = 128

    static func give(_ path: String, to identity: IsolationIdentity) throws(RunnerError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw RunnerError.system("open", errno, path) }
        guard fchown(fd, identity.uid, identity.gid) == 0 else {
            let code = errno
            close(fd)
            throw RunnerError.system("fchown", code, path)
        }
        walk(fd, identity: identity, depth: 0)
    }

    /// Walks the directory `fd` (which it closes).
    private static func walk(_ fd: Int32, identity: IsolationIdentity, depth: Int) {
        guard let directory = fdopendir(fd) else {
            close(fd)
            return
        }
        defer { closedir(directory) }
        let parent = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var info = stat()
            guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let isDirectory = info.st_mode & S_IFMT == S_IFDIR
            if !isDirectory && info.st_nlink > 1 { continue }
            if info.st_uid != identity.uid || info.st_gid != identity.gid {
                _ = fchownat(parent, name, identity.uid, identity.gid, AT_SYMLINK_NOFOLLOW)
            }
            guard isDirectory, depth < maxDepth else { continue }
            let child = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if child >= 0 { walk(child, identity: identity, depth: depth + 1) }
        }
    }
}
