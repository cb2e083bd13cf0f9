import Foundation
import Synchronization
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
/// Checked before every transaction: one `stat` of the path and one `ioctl(FS_IOC_GETFLAGS)` per
/// file, on descriptors opened once (about 2 µs). Thread-safe.
final class SQLiteFileGuard: Sendable {
    let path: String
    /// The database, `-wal` and `-shm` files.
    let files: [String]
    /// The database file's identity at open (device and inode).
    let device: UInt64
    let inode: UInt64
    /// Read-only descriptors of the database, `-wal` and `-shm` files (-1 until the file exists),
    /// kept to read their inode flags; SQLite never replaces `-wal` or `-shm` while connected.
    private let descriptors = Mutex<[Int32]>([-1, -1, -1])

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
        self.files = [path, path + "-wal", path + "-shm"]
        self.device = UInt64(info.st_dev)
        self.inode = UInt64(info.st_ino)
    }

    deinit {
        descriptors.withLock { fds in
            for fd in fds where fd >= 0 { close(fd) }
        }
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
        // (index, flags) of the first file that may not be written, read under the lock.
        let refused: (Int, Int)? = descriptors.withLock { fds in
            for index in 0..<fds.count {
                if fds[index] < 0 { fds[index] = open(files[index], O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC) }
                if fds[index] >= 0, let value = Self.flags(of: fds[index]), value & (Self.immutable | Self.appendOnly) != 0 {
                    return (index, value)
                }
            }
            return nil
        }
        if let (index, value) = refused {
            let what = value & Self.immutable != 0 ? "immutable" : "append-only"
            throw StoreError(operation: "use sqlite store", message: "the store file \(files[index]) is \(what) (chattr); it cannot be written")
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

    /// The inode flags of the open file `fd`, or nil when the file system has none.
    static func flags(of fd: Int32) -> Int? {
        var flags: Int = 0
        guard ioctl(fd, getFlags, &flags) == 0 else { return nil }
        return flags
    }
}
