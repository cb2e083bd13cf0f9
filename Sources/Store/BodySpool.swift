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
/// Each delivery is one self-describing record (`SpoolRecord`: its row and its body), so the spool
/// is the journal's log: the store answers a delivery once its record is written and indexes the
/// row in the background (`SpoolIndexer`); at open it indexes again whatever is past its
/// watermark. Durability matches the store's: with `synchronous=NORMAL` a record is in the kernel
/// before the delivery is answered (it survives `kill -9`, not a power loss); with
/// `synchronous=FULL` each append is `fdatasync`ed first. A record whose row was never kept (a
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

    /// Appends `record` (its row) and its `body` as one record in one `write(2)`; returns where
    /// the body is. `appended` runs under the spool's lock once the bytes are in the file, with
    /// the body's place and the record's end: callers see records in file order. Throws when the
    /// file system refuses (full, gone); nothing was appended then.
    @discardableResult
    func append(_ record: SpoolRecord, body: Data, appended: (_ body: Location, _ end: Location) -> Void = { _, _ in }) throws -> Location {
        let prefix = record.prefix()
        let total = Int64(prefix.count + body.count)
        lock.lock()
        defer { lock.unlock() }
        if descriptor < 0 || size + total > segmentBytes && size > 0 {
            try startSegment()
        }
        let offset = size
        try prefix.withUnsafeBytes { head in
            try body.withUnsafeBytes { tail in
                try writeAll([head, tail])
            }
        }
        size += total
        if syncEachAppend, fdatasync(descriptor) != 0 {
            // Not known to be durable: the bytes are dead, the next append starts a new segment.
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            descriptor = -1
            throw Failure(description: "cannot sync \(path(segment)): \(reason)")
        }
        let bodyPlace = Location(segment: segment, offset: offset + Int64(prefix.count))
        appended(bodyPlace, Location(segment: segment, offset: size))
        return bodyPlace
    }

    /// Writes `parts` at the segment's end (`writev`, again for what a short write left). On an
    /// error the segment is closed: the bytes that made it are dead, the next append starts anew.
    private func writeAll(_ parts: [UnsafeRawBufferPointer]) throws {
        var vectors = parts.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
        var index = 0
        while index < vectors.count {
            if vectors[index].iov_len == 0 { index += 1; continue }
            let n = vectors[index...].withUnsafeBufferPointer { Glibc.writev(descriptor, $0.baseAddress, Int32($0.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                Glibc.close(descriptor)
                descriptor = -1
                throw Failure(description: "cannot write a webhook body to \(path(segment)): \(reason)")
            }
            var left = n
            while left > 0, index < vectors.count {
                let take = min(left, vectors[index].iov_len)
                vectors[index].iov_base = vectors[index].iov_base.map { $0 + take }
                vectors[index].iov_len -= take
                left -= take
                if vectors[index].iov_len == 0 { index += 1 }
            }
        }
    }

    /// The records from `position` on, in file order, each with where its body is and where it
    /// ends: the rest of `position`'s segment and every later segment (reads the records' heads,
    /// not the bodies). A segment's scan ends at the first bytes that are not a whole record
    /// (one cut short by a crash; a segment of bare bodies written before records existed).
    func records(from position: Location) throws -> [(record: SpoolRecord, body: Location, end: Location)] {
        let current = lock.withLock { descriptor >= 0 ? segment : Int64.max }
        var found: [(record: SpoolRecord, body: Location, end: Location)] = []
        for number in try Self.segments(in: directory).sorted() where number >= position.segment && number < current {
            let fd = Glibc.open(path(number), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            defer { Glibc.close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { continue }
            let fileSize = Int64(info.st_size)
            var offset = number == position.segment ? position.offset : 0
            var header = [UInt8](repeating: 0, count: SpoolRecord.headerSize)
            while offset + Int64(SpoolRecord.headerSize) <= fileSize {
                guard Self.readFully(fd, into: &header, at: offset),
                      let lengths = header.withUnsafeBytes({ SpoolRecord.lengths(header: $0) }) else { break }
                let bodyOffset = offset + Int64(SpoolRecord.headerSize + lengths.meta)
                let end = bodyOffset + Int64(lengths.body)
                guard end <= fileSize else { break }
                var meta = [UInt8](repeating: 0, count: lengths.meta)
                guard Self.readFully(fd, into: &meta, at: offset + Int64(SpoolRecord.headerSize)),
                      let record = meta.withUnsafeBytes({ SpoolRecord.parse(meta: $0, bodySize: lengths.body) }) else { break }
                found.append((record, Location(segment: number, offset: bodyOffset), Location(segment: number, offset: end)))
                offset = end
            }
        }
        return found
    }

    private static func readFully(_ fd: Int32, into buffer: inout [UInt8], at offset: Int64) -> Bool {
        let length = buffer.count
        return buffer.withUnsafeMutableBytes { raw in
            var done = 0
            while done < length {
                let n = pread(fd, raw.baseAddress! + done, length - done, off_t(offset) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                done += n
            }
            return true
        }
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
