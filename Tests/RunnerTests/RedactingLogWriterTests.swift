import Foundation
@testable import Runner
import Testing
import TestSupport

@Suite("Runner: redaction as logs are written")
struct RedactingLogWriterTests {
    @Test("a secret split across writes, even byte by byte, never reaches the file")
    func splitSecret() throws {
        let dir = try TemporaryDirectory()
        let path = dir.child("log")
        let secret = "hunter2-secret-value"
        let text = "a \(secret) b \(secret)\(secret) tail hunter2 c"
        do {
            let writer = try RedactingLogWriter(path: path, secrets: [secret, "hunter2-secret"])
            for byte in Array(text.utf8) { writer.write([byte]) }
            writer.finish()
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a *** b ****** tail hunter2 c")
    }

    @Test("without secrets output is written as it comes")
    func noSecrets() throws {
        let dir = try TemporaryDirectory()
        let writer = try RedactingLogWriter(path: dir.child("log"), secrets: [])
        writer.write("hello\n")
        #expect(try String(contentsOfFile: dir.child("log"), encoding: .utf8) == "hello\n")
    }

    @Test("a step's environment is exactly the one built for it")
    func explicitEnvironment() throws {
        let dir = try TemporaryDirectory()
        let result = try StepRunner(grace: 1).run(
            ChildCommand(shell: "env | sort; pwd", environment: ["PATH": "/usr/bin:/bin", "ONLY": "this"], directory: dir.path),
            logPath: dir.child("log"), secrets: [], timeout: 10, cancellation: CancellationToken()
        )
        #expect(result.exitCode == 0)
        let lines = try String(contentsOfFile: dir.child("log"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.contains("ONLY=this"))
        #expect(lines.contains("PATH=/usr/bin:/bin"))
        #expect(lines.last == URL(fileURLWithPath: dir.path).resolvingSymlinksInPath().path || lines.last == dir.path)
        #expect(!lines.contains { $0.hasPrefix("HOME=") || $0.hasPrefix("SLIPWAY_") })
    }
}
