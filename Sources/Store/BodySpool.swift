import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Webhook bodies of the SQLite store, kept out of the database: appended to segment files in a
/// directory of their own (`state.db-bodies/`), the row keeping where (segment and offset; the
/// length is the delivery's `body_size`).
///
/// Why: a 28 KB body written into SQLite goes through the WAL (seven 4 KiB frames) and again
/// into the database file at the checkpoint; under a burst the WAL grew to ~500 MiB and the
/// checkpoint made the journal writer wait (p99 0.4-1 s). Appended here it is one `write(2)` into
/// the page cache, and the group commit carries a ~1 KB row.
///
/// Durability matches the store's: with `synchronous=NORMAL` a body is in the kernel before its
/// row commits (it survives `kill -9`, not a power loss); with `synchronous=FULL` each append is
/// `fdatasync`ed before its row commits. A body whose row never committed (a crash in between, a
/// duplicate) is dead bytes in its segment until the segment goes.
///
/// Bounded: a segment holds up to `segmentBytes` (a new one is started past that and at every
/// open, so a torn tail is never appended to); a segment no row refers to any more is deleted
/// after deliveries are pruned (`removeUnreferenced`).
final class BodySpool: @unchecked Sendable {
    /// Where a body is: its segment's number and its byte offset there.
    struct Location: Sendable, Equatable {
        var segment: Int64
        var offset: Int64
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let suffix = ".seg"

    let directory: String
    let segmentBytes: Int64
    let syncEachAppend: Bool
    private let lock = NSLock()
    private var segment: Int64
    private var descriptor: Int32 = -1
    private var size: Int64 = 0

    init(directory: String, segmentBytes: Int64 = 64 << 20, syncEachAppend: Bool) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.syncEachAppend = syncEachAppend
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
        } else if !isDirectory.boolValue {
            throw Failure(description: "\(directory) is not a directory (the store keeps webhook bodies there)")
        }
        segment = (try Self.segments(in: directory).max() ?? 0) + 1
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// The segment numbers in `directory`.
    static func segments(in directory: String) throws -> [Int64] {
        try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { name in
            name.hasSuffix(suffix) ? Int64(name.dropLast(suffix.count)) : nil
        }
    }

    func path(_ segment: Int64) -> String {
        let digits = String(segment)
        return directory + "/" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + Self.suffix
    }

    /// Appends `body`; returns where it is. Throws when the file system refuses (full, gone).
    func append(_ body: Data) throws -> Location {
        lock.lock()
        defer { lock.unlock() }
        if descriptor < 0 || size + Int64(body.count) > segmentBytes && size > 0 {
            try startSegment()
        }
        let offset = size
        try body.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var written = 0
            while written < raw.count {
                let n = Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    // The bytes that made it are dead; the next append starts a new segment.
                    Glibc.close(descriptor)
                    descriptor = -1
                    throw Failure(description: "cannot write a webhook body to \(path(segment)): \(reason)")
                }
                written += n
            }
        }
        size += Int64(body.count)
        if syncEachAppend, fdatasync(descriptor) != 0 {
            throw Failure(description: "cannot sync \(path(segment)): \(String(cString: strerror(errno)))")
        }
        return Location(segment: segment, offset: offset)
    }

    private func startSegment() throws {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
            segment += 1
        }
        let fd = Glibc.open(path(segment), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot create \(path(segment)): \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        size = 0
    }

    /// The `length` bytes at `location`. Throws when the segment is gone or shorter.
    func read(_ location: Location, length: Int) throws -> Data {
        let fd = Glibc.open(path(location.segment), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw Failure(description: "cannot open \(path(location.segment)): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(fd) }
        var data = Data(count: length)
        let complete = data.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) -> Bool in
            var done = 0
            while done < length {
                let n = pread(fd, raw.baseAddress! + done, length - done, off_t(location.offset) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        guard complete else {
            throw Failure(description: "\(path(location.segment)) has no \(length) bytes at \(location.offset)")
        }
        return data
    }

    /// Deletes every segment not in `referenced`, except the one being written and any written
    /// to in the last `quiet` seconds (a body appended there may not have its row committed yet);
    /// returns how many.
    @discardableResult
    func removeUnreferenced(_ referenced: Set<Int64>, quiet: TimeInterval = 3600, now: Date = Date()) throws -> Int {
        let current = lock.withLock { segment }
        var removed = 0
        for number in try Self.segments(in: directory) where number < current && !referenced.contains(number) {
            var info = stat()
            guard lstat(path(number), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
                  now.timeIntervalSince1970 - Double(info.st_mtim.tv_sec) > quiet else { continue }
            if unlink(path(number)) == 0 { removed += 1 }
        }
        return removed
    }
}
