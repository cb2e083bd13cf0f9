import Foundation
public import Testing

/// A Swift Testing trait that gives a suite (or a single test) its own private Docker daemon
/// (`DockerDaemon`): started before the first test, stopped and cleaned up after the last one
/// whatever happened. Inside, `DockerDaemon.current()` returns it.
///
/// ```swift
/// @Suite(.dockerDaemon) struct ContainerTests {
///     @Test func runs() throws { let docker = try DockerDaemon.current().client ... }
/// }
/// ```
public struct DockerDaemonTrait: SuiteTrait, TestTrait, TestScoping {
    @TaskLocal public static var current: DockerDaemon?
    /// Whether the daemon also listens on TCP with TLS (`DockerDaemon.tlsHost`).
    public let tls: Bool

    public init(tls: Bool = false) {
        self.tls = tls
    }

    /// One private daemon at a time in a test process: each daemon hands out published host
    /// ports from the same range (32768 up) with no idea of the others', and two daemons'
    /// proxies on one port sent a health check to the wrong container (seen in CI).
    static let oneAtATime = DispatchSemaphore(value: 1)

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await onDedicatedThread { Self.oneAtATime.wait() }
        defer { Self.oneAtATime.signal() }
        let daemon = try await onDedicatedThread { [tls] in try DockerDaemon.start(tls: tls) }
        do {
            try await Self.$current.withValue(daemon) {
                try await function()
            }
        } catch {
            await onDedicatedThread { daemon.stop() }
            throw error
        }
        await onDedicatedThread { daemon.stop() }
    }
}

extension Trait where Self == DockerDaemonTrait {
    /// Starts a private Docker daemon for the suite or test.
    public static var dockerDaemon: Self { Self() }

    /// Starts a private Docker daemon that also listens on loopback TCP with `--tlsverify`.
    public static var dockerDaemonWithTLS: Self { Self(tls: true) }
}

extension DockerDaemon {
    /// The daemon of the enclosing `.dockerDaemon` trait; throws when there is none.
    public static func current() throws -> DockerDaemon {
        guard let daemon = DockerDaemonTrait.current else {
            throw DockerDaemonError("no Docker daemon: add the .dockerDaemon trait to the suite")
        }
        return daemon
    }
}

private func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

private func onDedicatedThread(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { continuation in
        Thread {
            body()
            continuation.resume()
        }.start()
    }
}
