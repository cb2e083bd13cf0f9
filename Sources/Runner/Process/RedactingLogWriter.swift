import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Appends a child's output to a log file with every secret value replaced by `***` before it
/// reaches the disk. A secret split across two reads is still caught: the last
/// `longest secret - 1` bytes are held back until more output (or the end) arrives.
/// Used by one thread at a time.
final class RedactingLogWriter {
    private let fd: Int32
    private let secrets: [[UInt8]]
    private let holdBack: Int
    private var pending: [UInt8] = []
    private static let mask = Array("***".utf8)

    /// Opens (creating, appending) `path` with mode 0600.
    init(path: String, secrets: [String]) throws(RunnerError) {
        let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard opened >= 0 else { throw RunnerError.system("open", errno, path) }
        fd = opened
        // Longest first, so a secret containing another is masked whole (as Redactor does).
        let values = Set(secrets.flatMap { [$0, $0.trimmingCharacters(in: .whitespacesAndNewlines)] }).filter { $0.utf8.count >= 4 }
        self.secrets = values.map { Array($0.utf8) }.sorted { $0.count > $1.count }
        holdBack = max(0, (self.secrets.first?.count ?? 0) - 1)
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

    /// Writes what is held back (the output ended).
    func finish() {
        emit(final: true)
    }

    /// Writes every byte that can be decided: a position is decided once the longest secret
    /// fits after it, so a secret that is a prefix of a longer one never masks half of it.
    private func emit(final: Bool) {
        let limit = final ? pending.count : pending.count - holdBack
        guard limit > 0 else { return }
        var output: [UInt8] = []
        output.reserveCapacity(limit)
        var index = 0
        while index < limit {
            let byte = pending[index]
            if let secret = secrets.first(where: { $0[0] == byte && index + $0.count <= pending.count
                && pending[index..<(index + $0.count)].elementsEqual($0) }) {
                output += Self.mask
                index += secret.count
            } else {
                output.append(byte)
                index += 1
            }
        }
        writeFully(output)
        pending.removeFirst(index)
    }

    private func writeFully(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
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
