import Foundation
import HTTPClient
import TestSupport

/// Counts what a client loop saw while a version switched.
final class SwitchCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var ok = 0
    private var failures: [String] = []
    private var v2 = false
    private var done = false

    private var thread: Thread?

    var stopped: Bool { lock.withLock { done } }
    var sawV2: Bool { lock.withLock { v2 } }
    var summary: (ok: Int, failures: [String]) { lock.withLock { (ok, failures) } }
    func stop() { lock.withLock { done = true } }

    /// Asks with `get` in a loop on a thread of its own until `finish()`.
    func start(_ get: @escaping @Sendable () throws -> HTTPClientResponse) {
        let loop = Thread { [self] in
            while !stopped {
                do {
                    let response = try get()
                    record(status: response.status, body: String(decoding: response.body, as: UTF8.self))
                } catch {
                    record(error: "\(error)")
                }
            }
        }
        lock.withLock { thread = loop }
        loop.start()
    }

    /// Stops the loop and waits for it to end.
    func finish() throws {
        stop()
        let loop = lock.withLock { thread }
        try Eventually.wait(for: "the client loop to end", timeout: 30) { loop?.isFinished ?? true }
    }

    func record(status: Int, body: String) {
        lock.withLock {
            if status == 200 && (body.contains("Public v1") || body.contains("Public v2")) {
                ok += 1
                if body.contains("Public v2") { v2 = true }
            } else {
                failures.append("HTTP \(status)")
            }
        }
    }

    func record(error: String) { lock.withLock { failures.append(error) } }
}
