import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Refuses access to a SQLite store whose files would crash the process or lose writes, before
/// SQLite touches them: SQLite keeps the WAL index in a shared memory map of `<db>-shm`, and when
/// the kernel cannot back a write to that map (the file made immutable, e.g. `chattr +i`) the
/// process gets SIGBUS instead of an error code. A database file deleted (or replaced) under the
/// running bot would take writes that no restart ever sees. Both become a `StoreError`, so a
/// webhook gets 503 and `/readyz` says why.
///
/// Checked before every transaction (a few system calls: `stat` and, per file, an
/// `open`/`ioctl(FS_IOC_GETFLAGS)`/`close`). A plain value: safe to share.
struct SQLiteFileGuard: Sendable {
    let path: String
    /// The database file's identity at open (device and inode).
    let device: UInt64
    let inode: UInt64

    /// `_IOR('f', 1, long)`: the inode flags (`lsattr`).
    static let getFlags: UInt = 0x8008_6601
    static let immutable: Int = 0x10
    static let appendOnly: Int = 0x20

    init(path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StoreError(operation: "open sqlite store", message: "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.device = UInt64(info.st_dev)
        self.inode = UInt64(info.st_ino)
    }

    /// Throws when the database file is gone or replaced, or one of its files may not be written.
    func check() throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StoreError(operation: "use sqlite store", message: "the store file \(path) is gone (\(String(cString: strerror(errno)))); restore it or restart the bot")
        }
        guard UInt64(info.st_dev) == device, UInt64(info.st_ino) == inode else {
            throw StoreError(operation: "use sqlite store", message: "the store file \(path) was replaced by another file; restart the bot")
        }
        for file in [path, path + "-wal", path + "-shm"] {
            if let flags = Self.flags(of: file), flags & (Self.immutable | Self.appendOnly) != 0 {
                let what = flags & Self.immutable != 0 ? "immutable" : "append-only"
                throw StoreError(operation: "use sqlite store", message: "the store file \(file) is \(what) (chattr); it cannot be written")
            }
        }
    }

    /// Fails when the store's file system has less than `minimumFree` bytes left, or is read-only.
    func checkSpace(minimumFree: UInt64 = 1 << 20) throws {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return }
        if info.f_flag & UInt(ST_RDONLY) != 0 {
            throw StoreError(operation: "use sqlite store", message: "the file system of \(path) is read-only")
        }
        let free = UInt64(info.f_bavail) * UInt64(info.f_frsize)
        if free < minimumFree {
            throw StoreError(operation: "use sqlite store", message: "the file system of \(path) is full (\(free) bytes free)")
        }
    }

    /// The inode flags of `file`, or nil when it does not exist or the file system has none.
    static func flags(of file: String) -> Int? {
        let fd = open(file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var flags: Int = 0
        guard ioctl(fd, getFlags, &flags) == 0 else { return nil }
        return flags
    }
}
