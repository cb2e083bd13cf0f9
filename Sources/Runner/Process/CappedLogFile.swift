import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The file end of a log whose size is bounded: the first `limit - tail` bytes go to the file
/// as they come; past that, only the last `tail` bytes (`limit / 2`) are kept, in a ring file
/// (created beside the log and unlinked at once, rewritten in place), and `finish()` appends a line marking the
/// cut (`[slipway] … N bytes cut …`) followed by that tail. Memory use is constant: a step that
/// prints gigabytes costs a bounded file and no buffer. The marker always separates head and
/// tail, so the cut never joins bytes that were apart in the output.
final class CappedLogFile {
    private let fd: Int32
    private let path: String
    private let headLimit: Int
    private let tailLimit: Int
    private var headWritten = 0
    private var ringFD: Int32 = -1
    /// Bytes that went past the head since the last `finish()`.
    private var overflow = 0

    /// Writes to `fd` (not owned); `limit` nil: no bound.
    init(fd: Int32, path: String, limit: Int?) {
        self.fd = fd
        self.path = path
        if let limit {
            tailLimit = max(limit / 2, 1)
            headLimit = max(limit - tailLimit, 0)
        } else {
            tailLimit = 0
            headLimit = Int.max
        }
    }

    deinit {
        if ringFD >= 0 { close(ringFD) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var count = bytes.count
        if headWritten < headLimit {
            let take = min(count, headLimit - headWritten)
            Self.writeFully(fd, base, take)
            headWritten += take
            base += take
            count -= take
        }
        guard count > 0 else { return }
        if ringFD < 0 {
            ringFD = open(path + ".tail", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if ringFD < 0 { overflow += count; return }
            // Unlinked at once: the descriptor is all it needs, and a crash leaves no file.
            unlink(path + ".tail")
        }
        // Only the last `tailLimit` bytes of this write can survive.
        if count > tailLimit {
            overflow += count - tailLimit
            base += count - tailLimit
            count = tailLimit
        }
        while count > 0 {
            let offset = overflow % tailLimit
            let take = min(count, tailLimit - offset)
            var done = 0
            while done < take {
                let written = pwrite(ringFD, base + done, take - done, off_t(offset + done))
                if written < 0 { if errno == EINTR { continue }; break }
                done += written
            }
            overflow += take
            base += take
            count -= take
        }
    }

    /// Appends the cut marker and the kept tail (if anything went past the head).
    func finish() {
        guard overflow > 0, ringFD >= 0 else { return }
        let kept = min(overflow, tailLimit)
        if overflow > kept {
            let marker = Array("\n[slipway] … \(overflow - kept) bytes cut …\n".utf8)
            marker.withUnsafeBytes { Self.writeFully(fd, $0.baseAddress!, $0.count) }
        }
        // Oldest byte first: from the write position to the end of the ring, then its start.
        let start = overflow > tailLimit ? overflow % tailLimit : 0
        let ranges = overflow > tailLimit ? [(start, tailLimit - start), (0, start)] : [(0, kept)]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        for (offset, length) in ranges {
            var done = 0
            while done < length {
                let count = buffer.withUnsafeMutableBytes { pread(ringFD, $0.baseAddress, min($0.count, length - done), off_t(offset + done)) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                buffer.withUnsafeBytes { Self.writeFully(fd, $0.baseAddress!, count) }
                done += count
            }
        }
        overflow = 0
        _ = ftruncate(ringFD, 0)
    }

    static func writeFully(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int) {
        var offset = 0
        while offset < count {
            let written = Glibc.write(fd, base + offset, count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
