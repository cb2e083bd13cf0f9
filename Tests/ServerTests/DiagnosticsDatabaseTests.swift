import Foundation
import LocalPostgres
import Server
import SlipwayCore
import TestSupport
import Testing

@Suite("slipway diag: the database server", .postgresCluster)
struct DiagnosticsDatabaseTests {
    @Test("with databases.admin set, drivers.database connects, reports the server's version and finds pg_dump")
    func databasePasses() throws {
        let cluster = try PostgresCluster.current()
        let harness = try DiagnosticsHarness()
        let file = try harness.directory.write("admin-url", cluster.conninfo + "\n")
        harness.configuration.data.admin = .file(file)
        let check = try #require(harness.run().check("drivers.database"))
        #expect(check.status == .pass, "\(check.reason)")
        #expect(check.reason.contains("PostgreSQL 15"))
        #expect(check.reason.contains("pg_dump at /usr/lib/postgresql/"))
    }

    @Test("a database server nobody answers fails drivers.database, and its password is not in the report")
    func databaseUnreachable() throws {
        let harness = try DiagnosticsHarness()
        let password = "diag-admin-password-3391"
        let file = try harness.directory.write("admin-url", "host=127.0.0.1 port=9 user=admin password=\(password) dbname=postgres connect_timeout=2\n")
        harness.configuration.data.admin = .file(file)
        let report = harness.run()
        let check = try #require(report.check("drivers.database"))
        #expect(check.status == .fail)
        #expect(check.fix?.contains("databases.admin") == true)
        #expect(!report.json().contains(password))

        harness.configuration.data.admin = .env("SLIPWAY_DIAG_TEST_UNSET_VARIABLE")
        #expect(harness.run().check("drivers.database")?.status == .fail)
    }
}
