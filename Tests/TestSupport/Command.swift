import Foundation

/// The outcome of a finished child process run by `Command.run`.
public struct CommandResult: Sendable, CustomStringConvertible {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// Runs independent judges (the git CLI, initdb, ...) as child processes in tests.
public enum Command {
    /// Runs `executable` (looked up in PATH when not absolute) with `arguments` and waits for it.
    /// Output is collected concurrently, so a chatty process cannot block on a full pipe.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        cwd: String? = nil,
        environment: [String: String]? = nil,
        input: String? = nil
    ) throws -> CommandResult {
        let process = Process()
        if executable.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try? inp.fileHandleForWriting.close()
        // Read both pipes on dedicated threads: GCD's global queues are shared with Swift
        // concurrency's pool on Linux, and a blocked test could starve readers scheduled there.
        let outReader = PipeReader(out.fileHandleForReading)
        let errReader = PipeReader(err.fileHandleForReading)
        let outData = outReader.wait(), errData = errReader.wait()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Like `run`, but throws with the full output when the command does not exit 0.
    @discardableResult
    public static func check(
        _ executable: String, _ arguments: [String], cwd: String? = nil,
        environment: [String: String]? = nil
    ) throws -> CommandResult {
        let result = try run(executable, arguments, cwd: cwd, environment: environment)
        guard result.status == 0 else {
            throw CommandFailure(command: ([executable] + arguments).joined(separator: " "), result: result)
        }
        return result
    }
}

public struct CommandFailure: Error, CustomStringConvertible {
    public let command: String
    public let result: CommandResult
    public var description: String { "`\(command)` failed: \(result)" }
}

/// Reads a pipe to its end on a thread of its own.
final class PipeReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
        thread.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
