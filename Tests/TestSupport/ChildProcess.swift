public import Foundation

/// A long-running child process (e.g. `slipway serve`) whose output is collected in the
/// background, so a test can wait for a line and kill the process with any signal.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let lock = NSLock()
    private var outBuffer = Data()
    private var errBuffer = Data()

    public init(_ executable: String, _ arguments: [String], environment: [String: String], cwd: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Dedicated reader threads (not GCD, which Swift concurrency shares on Linux).
        for (pipe, isOut) in [(out, true), (err, false)] {
            let handle = pipe.fileHandleForReading
            let thread = Thread { [weak self] in
                while true {
                    let data = handle.availableData
                    if data.isEmpty { return }
                    guard let self else { return }
                    self.lock.lock()
                    if isOut { self.outBuffer.append(data) } else { self.errBuffer.append(data) }
                    self.lock.unlock()
                }
            }
            thread.start()
        }
    }

    public var stdout: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: outBuffer, as: UTF8.self)
    }

    public var stderr: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: errBuffer, as: UTF8.self)
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Waits until stdout contains a match of `pattern` and returns the first capture group.
    public func waitForOutput(matching pattern: String, timeout: Double = 30) throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        return try Eventually.value(of: "output matching \(pattern) (stderr so far: \(stderr.suffix(2000)))", timeout: timeout) {
            let text = stdout
            guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else {
                if !process.isRunning { throw ExitedEarly(status: process.terminationStatus, stderr: stderr) }
                return nil
            }
            let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
            return String(text[Range(range, in: text)!])
        }
    }

    /// Sends `signal` and waits for the process to exit; returns its termination status.
    @discardableResult
    public func kill(_ signal: Int32 = SIGTERM, timeout: Double = 30) throws -> Int32 {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
        try Eventually.wait(for: "process \(pid) to exit", timeout: timeout) { !process.isRunning }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

public struct ExitedEarly: Error, CustomStringConvertible {
    public let status: Int32
    public let stderr: String
    public var description: String { "the process exited early with status \(status): \(stderr)" }
}
