import Data
import Foundation
import Postgres
import SlipwayCore
import TestSupport

/// An adversarial "production" database in the suite's throwaway cluster, reached over TCP with
/// a password by a read-only role, and the complete rules that make it safe.
struct DataFixture {
    let cluster: PostgresCluster
    let server: DataServer
    let productionPassword: String
    let work: String

    static let grantValue = "prod-grant-VALUE-7f3a9c"

    /// Every value that must never be readable from a snapshot or an environment database.
    static let seeded = [
        "alice.martin@acme-corp.com", "bob.stone@example.org", "carol@contoso.io", "dave@mail.example.net",
        "+1 (555) 010-9999", "0044 20 7946 0000", "555.010.9999",
        "4111 1111 1111 1111", "4111111111111111", "5500-0000-0000-0004",
        "Alice Martin", "Bob Stone", "12 Rue de Rivoli",
        "sk_live_51HxQwErTyUiOpAsDfGhJkL", "AKIAIOSFODNN7EXAMPLE", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", grantValue,
    ]

    static func make(_ cluster: PostgresCluster) throws -> DataFixture {
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(10)
        let database = "production_\(suffix)", role = "prod_ro_\(suffix)"
        let password = "pw:\\'" + UUID().uuidString
        _ = try cluster.createDatabase(database)
        try cluster.psql(seedSQL, database: database)
        let admin = try PostgresConnection(cluster.conninfo)
        let verifier = try admin.encryptPassword(password, user: role)
        try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD '\(verifier)' IN ROLE pg_read_all_data")
        let work = NSTemporaryDirectory() + "slipway-data-test-\(suffix)"
        let production = "host=127.0.0.1 port=\(cluster.port) dbname=\(database) user=\(role) password='\(password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'"
        let server = DataServer(admin: cluster.conninfo, production: production, workDirectory: work)
        return DataFixture(cluster: cluster, server: server, productionPassword: password, work: work)
    }

    static let seedSQL = """
        CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL, phone text, name text, street varchar(80),
                                notes text, profile jsonb, balance numeric(12,2) NOT NULL DEFAULT 0);
        INSERT INTO customers (email, phone, name, street, notes, profile, balance) VALUES
          ('alice.martin@acme-corp.com', '+1 (555) 010-9999', 'Alice Martin', '12 Rue de Rivoli',
           'Call Alice at +1 (555) 010-9999 or write to alice.martin@acme-corp.com; card 4111 1111 1111 1111',
           '{"contact": {"email": "carol@contoso.io", "phone": "555.010.9999"}, "card": "5500-0000-0000-0004", "raw": 4111111111111111, "tags": ["vip"]}',
           1200.50),
          ('bob.stone@example.org', '0044 20 7946 0000', 'Bob Stone', NULL,
           'prefers dave@mail.example.net, tel 0044 20 7946 0000', '{"n": 1}', 10);
        CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL, contact_email text, amount numeric(10,2), card text);
        INSERT INTO orders (customer_id, contact_email, amount, card) VALUES
          (1, 'alice.martin@acme-corp.com', 99.90, '4111111111111111'), (2, 'bob.stone@example.org', 5, NULL);
        CREATE TABLE settings (key text PRIMARY KEY, value text);
        INSERT INTO settings VALUES ('stripe', 'sk_live_51HxQwErTyUiOpAsDfGhJkL'), ('aws', 'AKIAIOSFODNN7EXAMPLE'),
          ('github', 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'),
          ('tls', E'-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\\n-----END RSA PRIVATE KEY-----'),
          ('webhook', 'secret is prod-grant-VALUE-7f3a9c here');
        CREATE TABLE mail_queue (id serial PRIMARY KEY, body text);
        INSERT INTO mail_queue (body) VALUES ('To: carol@contoso.io');
        CREATE TABLE jobs (id serial PRIMARY KEY, active boolean NOT NULL);
        INSERT INTO jobs (active) VALUES (true), (false);
        """

    static func table(_ name: String) -> QualifiedName { QualifiedName(name)! }

    /// Each rule on its own (columns split), so tests can leave out one at a time.
    static let ruleParts: [SanitizeRule] = [
        .columns(table: table("customers"), key: nil, columns: [ColumnRule(column: "email", strategy: .email)]),
        .columns(table: table("customers"), key: nil, columns: [ColumnRule(column: "phone", strategy: .phone)]),
        .columns(table: table("customers"), key: nil, columns: [ColumnRule(column: "name", strategy: .name)]),
        .columns(table: table("customers"), key: nil, columns: [ColumnRule(column: "street", strategy: .drop)]),
        .columns(table: table("customers"), key: nil, columns: [ColumnRule(column: "notes", strategy: .redact)]),
        .columns(table: table("customers"), key: nil, columns: [ColumnRule(column: "profile", strategy: .redact)]),
        .columns(table: table("orders"), key: "customer_id", columns: [ColumnRule(column: "contact_email", strategy: .email)]),
        .columns(table: table("orders"), key: nil, columns: [ColumnRule(column: "card", strategy: .drop)]),
        .columns(table: table("settings"), key: nil, columns: [ColumnRule(column: "value", strategy: .fixed("redacted"))]),
        .truncate(table: table("mail_queue")),
        .sql("UPDATE jobs SET active = false"),
    ]
    /// Not a secrecy rule: leaving it out is not detectable, so it is never left out.
    static let scale: SanitizeRule = .columns(table: table("customers"), key: nil,
                                              columns: [ColumnRule(column: "balance", strategy: .scale(low: 0.8, high: 1.2))])

    static let verify = [
        "SELECT 1 FROM customers WHERE email NOT LIKE '%@example.invalid'",
        "SELECT 1 FROM customers WHERE phone NOT LIKE '+1-555-01%'",
        "SELECT 1 FROM customers WHERE name NOT LIKE 'Person %'",
        "SELECT 1 FROM customers WHERE street IS NOT NULL;",
        "SELECT 1 FROM jobs WHERE active",
    ]

    func rules(leavingOut index: Int? = nil) -> SnapshotRules {
        var parts = Self.ruleParts
        if let index { parts.remove(at: index) }
        return SnapshotRules(sanitize: parts + [Self.scale], verify: Self.verify, productionSecrets: [Self.grantValue], forbid: ["internal-token-*"])
    }

    /// Where any seeded value is still readable: "db.table.column: value index" lines.
    func leaks(in database: String) throws -> [String] {
        let columns = try cluster.psql("""
            SELECT format('%I.%I|%s', table_schema, table_name, column_name) FROM information_schema.columns
            WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
            """, database: database).split(separator: "\n").map(String.init)
        let connection = try PostgresConnection(cluster.conninfo(database: database))
        var found: [String] = []
        for entry in columns {
            let parts = entry.split(separator: "|").map(String.init)
            for (index, value) in Self.seeded.enumerated() {
                let rows = try connection.query("SELECT count(*) AS n FROM \(parts[0]) WHERE strpos(\"\(parts[1])\"::text, $1) > 0", [.text(value)])
                if rows.first?.int("n") != 0 { found.append("\(database).\(parts[0]).\(parts[1]): seeded value \(index)") }
            }
        }
        return found
    }

    /// The snapshot and environment databases and roles on the server.
    func slipwayObjects() throws -> [String] {
        try cluster.psql("SELECT datname FROM pg_database WHERE datname LIKE 'slipway%' UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'slipway%' ORDER BY 1")
            .split(separator: "\n").map(String.init)
    }

    /// A TCP connection attempt as `user`; nil when it worked, else the error text.
    func connectError(database: String, user: String, password: String) -> String? {
        do {
            _ = try PostgresConnection("host=127.0.0.1 port=\(cluster.port) dbname=\(database) user=\(user) password=\(password)")
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// Runs blocking `body` on a new thread, so tests never block the cooperative pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
