import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Hashes files a build left in its checkout (lock files, declared artifacts) without trusting
/// them: the build ran as another uid and may have replaced any path with a symbolic link to a
/// host file, a FIFO or a device. Every path is resolved one component at a time from the
/// checkout with `O_NOFOLLOW` (a symlink anywhere is refused, never followed), files are opened
/// `O_NONBLOCK` (a FIFO cannot block the open) and must be regular files (`fstat`), and at most
/// `limit` bytes are read. The lock-file walk skips symlinked directories and is bounded in
/// depth and entries.
struct CheckoutFileHasher {
    let root: String
    /// Files larger than this are not hashed.
    let limit: Int
    var maxDepth = 32
    var maxEntries = 200_000

    enum Result: Equatable {
        case digest(String)
        case missing
        case symbolicLink
        case notRegular
        case tooLarge(Int64)
        case unreadable(String)

        /// What the report records: the digest, or why there is none.
        func recorded(limit: Int) -> String? {
            switch self {
            case .digest(let hex): hex
            case .missing: nil
            case .symbolicLink: "not hashed: a symbolic link"
            case .notRegular: "not hashed: not a regular file"
            case .tooLarge(let size): "not hashed: too large (\(size) bytes; the limit is \(limit))"
            case .unreadable(let why): "not hashed: \(why)"
            }
        }
    }

    /// The file at `relative` (slash-separated, under the checkout).
    func hash(relative: String) -> Result {
        let parts = relative.split(separator: "/").map(String.init)
        guard !parts.isEmpty, !parts.contains(".."), !relative.hasPrefix("/") else { return .missing }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return .unreadable("cannot open the checkout: \(String(cString: strerror(errno)))") }
        var directory = rootFD
        defer { close(directory) }
        for part in parts.dropLast() where part != "." {
            let next = openat(directory, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 { return errno == ENOENT ? .missing : (errno == ELOOP || errno == ENOTDIR ? .symbolicLink : .notRegular) }
            close(directory)
            directory = next
        }
        return hash(at: directory, name: parts[parts.count - 1])
    }

    /// The file `name` in the open directory `directory`.
    private func hash(at directory: Int32, name: String) -> Result {
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: return .missing
            case ELOOP: return .symbolicLink
            default: return .unreadable(String(cString: strerror(errno)))
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .unreadable(String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .notRegular }
        guard info.st_size <= Int64(limit) else { return .tooLarge(Int64(info.st_size)) }
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .unreadable(String(cString: strerror(errno)))
            }
            total += count
            // It grew while we read it.
            if total > limit { return .tooLarge(Int64(total)) }
            hasher.update(buffer[..<count])
        }
        return .digest(Hex.encode(hasher.finalize()))
    }

    /// Every file named one of `names` under the checkout (relative path -> what is recorded),
    /// `skipping` directories of those names; symlinked directories are never entered.
    func files(named names: Set<String>, skipping: Set<String>) -> [String: String] {
        var found: [String: String] = [:]
        var entries = 0
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return found }
        walk(rootFD, prefix: "", depth: 0, names: names, skipping: skipping, entries: &entries, found: &found)
        return found
    }

    /// Walks the directory `fd` (closed here).
    private func walk(_ fd: Int32, prefix: String, depth: Int, names: Set<String>, skipping: Set<String>, entries: inout Int,
                      found: inout [String: String]) {
        guard let stream = fdopendir(fd) else {
            close(fd)
            return
        }
        defer { closedir(stream) }
        var directories: [String] = []
        while entries < maxEntries, let entry = readdir(stream) {
            entries += 1
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var type = Int32(entry.pointee.d_type)
            if type == Int32(DT_UNKNOWN) {
                var info = stat()
                guard fstatat(dirfd(stream), name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                type = info.st_mode & S_IFMT == S_IFDIR ? Int32(DT_DIR) : (info.st_mode & S_IFMT == S_IFREG ? Int32(DT_REG) : Int32(DT_LNK))
            }
            if type == Int32(DT_DIR) {
                if !skipping.contains(name) { directories.append(name) }
            } else if names.contains(name) {
                let result = type == Int32(DT_LNK) ? .symbolicLink : hash(at: dirfd(stream), name: name)
                if let recorded = result.recorded(limit: limit) { found[prefix + name] = recorded }
            }
        }
        guard depth < maxDepth else { return }
        for name in directories.sorted() where entries < maxEntries {
            let child = openat(dirfd(stream), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { continue }
            walk(child, prefix: prefix + name + "/", depth: depth + 1, names: names, skipping: skipping, entries: &entries, found: &found)
        }
    }
}
