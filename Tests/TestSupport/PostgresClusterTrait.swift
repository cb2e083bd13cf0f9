import Foundation
public import Testing

/// A Swift Testing trait that gives a suite (or a single test) its own throwaway PostgreSQL
/// cluster: started before the first test, stopped after the last one whatever happened.
/// Inside, `PostgresClusterTrait.current` (or `PostgresCluster.current()`) returns it.
///
/// ```swift
/// @Suite(.postgresCluster) struct StoreTests {
///     @Test func works() throws { let cluster = try PostgresCluster.current() ... }
/// }
/// ```
///
/// Starting and stopping block for a second or two, so they run on a dedicated thread rather
/// than on the cooperative pool.
public struct PostgresClusterTrait: SuiteTrait, TestTrait, TestScoping {
    /// The cluster of the innermost enclosing `.postgresCluster` scope.
    @TaskLocal public static var current: PostgresCluster?

    public init() {}

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let cluster = try await onDedicatedThread { try PostgresCluster.start() }
        do {
            try await Self.$current.withValue(cluster) {
                try await function()
            }
        } catch {
            await onDedicatedThread { cluster.stop() }
            throw error
        }
        await onDedicatedThread { cluster.stop() }
    }
}

extension Trait where Self == PostgresClusterTrait {
    /// Starts a throwaway PostgreSQL cluster for the suite or test.
    public static var postgresCluster: Self { Self() }
}

extension PostgresCluster {
    /// The cluster provided by the enclosing `.postgresCluster` trait; throws when there is none.
    public static func current() throws -> PostgresCluster {
        guard let cluster = PostgresClusterTrait.current else {
            throw PostgresClusterError("no PostgreSQL cluster: add the .postgresCluster trait to the suite")
        }
        return cluster
    }
}

/// Runs blocking `body` on a new thread and resumes with its result.
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
