import Foundation
public import SlipwayCore

/// Writes each record as one line to standard error (JSON or text), atomically per line.
public final class StandardErrorLogSink: LogSink, @unchecked Sendable {
    private let format: LogFormat
    private let lock = NSLock()

    public init(format: LogFormat) {
        self.format = format
    }

    public func emit(_ record: LogRecord) {
        let line = Data(format.render(record).utf8)
        lock.lock()
        FileHandle.standardError.write(line)
        lock.unlock()
    }
}

/// Keeps records in memory (tests and `--log-format` checks).
public final class MemoryLogSink: LogSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [LogRecord] = []

    public init() {}

    public func emit(_ record: LogRecord) {
        lock.lock()
        stored.append(record)
        lock.unlock()
    }

    public var records: [LogRecord] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
