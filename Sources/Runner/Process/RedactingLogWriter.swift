import Foundation
import SlipwayCore
#if canImport(Glibc)
import Glibc
#endif

/// Appends a child's output to a log file with every secret value — in any encoding the
/// `Redactor` knows, and anything shaped like a GitHub token or a JWT — replaced by `***` before it
/// reaches the disk. A secret split across two reads is still caught: a tail that could still
/// become a match is held back until more output (or the end) arrives; it is never longer than
/// the longest encoded secret or `TokenShape.maximumLength`. With a limit, the bytes written
/// are bounded (`CappedLogFile`); the cut is made after redaction. Used by one thread at a time.
final class RedactingLogWriter {
    private let fd: Int32
    private let redactor: Redactor
    private var pending: [UInt8] = []
    private let file: CappedLogFile
    /// The file's size when opened plus what was written through this writer since.
    private(set) var size: Int

    /// Opens (creating, appending) `path` with mode 0600; masks `secrets` and token shapes.
    /// With a `limit`, what this writer adds keeps the head and the tail (`CappedLogFile`).
    convenience init(path: String, secrets: [String], limit: Int? = nil) throws(RunnerError) {
        try self.init(path: path, redactor: Redactor(secrets: secrets, redactTokenShapes: true), limit: limit)
    }

    /// Opens (creating, appending) `path` with mode 0600; masks what `redactor` masks.
    init(path: String, redactor: Redactor, limit: Int? = nil) throws(RunnerError) {
        let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard opened >= 0 else { throw RunnerError.system("open", errno, path) }
        fd = opened
        self.redactor = redactor
        file = CappedLogFile(fd: opened, path: path, limit: limit)
        var info = stat()
        size = fstat(opened, &info) == 0 ? Int(info.st_size) : 0
    }

    deinit {
        finish()
        close(fd)
    }

    func write(_ text: String) {
        write(Array(text.utf8))
    }

    func write(_ bytes: [UInt8]) {
        pending += bytes
        emit(final: false)
    }

    /// Writes what is held back (the output ended), and the kept tail of a capped log.
    func finish() {
        emit(final: true)
        file.finish()
    }

    /// Writes every byte that can be decided.
    private func emit(final: Bool) {
        guard !pending.isEmpty else { return }
        let (output, consumed) = redactor.redact(pending, final: final)
        writeFully(output)
        pending.removeFirst(consumed)
    }

    private func writeFully(_ bytes: [UInt8]) {
        size += bytes.count
        bytes.withUnsafeBytes { file.write($0) }
    }

    /// The last `count` lines of a log file (for failure summaries).
    static func tail(of path: String, lines count: Int) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let text = String(decoding: data.suffix(64 * 1024), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return Array(lines.suffix(count))
    }
}
