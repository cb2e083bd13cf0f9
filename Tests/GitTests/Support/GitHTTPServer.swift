import Foundation
import Testing
import TestSupport

/// `Fixtures/git-http-server.py` running as a child process: smart HTTP with basic auth in front
/// of `git http-backend`, on 127.0.0.1 and a port the OS chose. Call `stop()` in a `defer`.
final class GitHTTPServer {
    let port: Int
    let logPath: String
    private let process: Process
    private let input: Pipe

    /// Starts the server for the bare repositories under `projectRoot`.
    init(projectRoot: String, username: String, password: String, environment: [String: String], logPath: String) throws {
        let python = try? Command.run("python3", ["--version"])
        try #require(python?.status == 0, "python3 is missing: install the Debian package `python3`")

        // This file lives in Support/; the fixtures are in the test target's own Fixtures/.
        let targetFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let script = Fixtures.directory(filePath: targetFolder.appendingPathComponent("Tests.swift").path)
            .appendingPathComponent("git-http-server.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, projectRoot, username]
        var environment = environment
        environment["GIT_HTTP_TEST_PASSWORD"] = password
        process.environment = environment
        input = Pipe()
        let output = Pipe()
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        self.logPath = logPath
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()

        // The first stdout line is the port. Blocking reads: they return as soon as the server
        // prints, or with no data if it dies.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(text) else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw ServerFailure(description: "git-http-server.py did not report a port (got '\(text)'): \(log)")
        }
        self.port = port
    }

    func url(_ repository: String) -> String { "http://127.0.0.1:\(port)/\(repository)" }

    /// The request log: one "METHOD PATH STATUS" line per request.
    var requests: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Terminates the server and waits for it to exit.
    func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    struct ServerFailure: Error, CustomStringConvertible {
        let description: String
    }
}
