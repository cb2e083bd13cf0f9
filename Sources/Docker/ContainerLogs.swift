public import Foundation

/// A container's output from `GET /containers/{id}/logs`, split into its two streams.
public struct ContainerLogs: Sendable, Equatable {
    public var stdout: Data
    public var stderr: Data

    public init(stdout: Data = Data(), stderr: Data = Data()) {
        self.stdout = stdout
        self.stderr = stderr
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// Splits Docker's multiplexed stream (a container without a TTY): frames of an 8-byte header
    /// — stream (1 stdout, 2 stderr), three zero bytes, a big-endian 32-bit length — and the
    /// payload. A truncated last frame keeps what arrived. Nil when the data is not framed
    /// (a TTY container's raw output; the caller then takes it as stdout).
    static func demultiplex(_ data: Data) -> ContainerLogs? {
        var logs = ContainerLogs()
        var index = data.startIndex
        while index < data.endIndex {
            guard data.endIndex - index >= 8 else { return nil }
            let kind = data[index]
            guard kind <= 2, data[index + 1] == 0, data[index + 2] == 0, data[index + 3] == 0 else { return nil }
            let length = data[(index + 4)..<(index + 8)].reduce(0) { $0 << 8 | Int($1) }
            let start = index + 8
            let end = min(data.endIndex, start + length)
            if kind == 2 { logs.stderr.append(data[start..<end]) } else { logs.stdout.append(data[start..<end]) }
            index = end
        }
        return logs
    }
}
