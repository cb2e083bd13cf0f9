import Data
import Testing

/// Names the engine gives environment databases: deterministic, valid identifiers, distinct for
/// distinct environments.
@Suite("Data: environment database names")
struct DataNamingTests {
    @Test("simple names stay readable; others are hashed apart")
    func names() {
        let server = DataServer(admin: "host=/tmp", production: nil, workDirectory: "/tmp")
        let databases = EnvironmentDatabases(server: server)
        #expect(databases.database(for: "staging") == "slipway_env_staging")
        let a = databases.database(for: "pr-7"), b = databases.database(for: "pr_7")
        #expect(a != b)
        #expect(a.utf8.count <= 63 && b.utf8.count <= 63)
        #expect(databases.database(for: String(repeating: "x", count: 63)).utf8.count <= 63)
    }
}
