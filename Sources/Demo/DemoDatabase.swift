public import Data
import Foundation
import Git
public import LocalPostgres
import Reconcile
public import Server
public import SlipwayCore
import Store

/// The demo's data: a throwaway PostgreSQL cluster standing in for the operator's server, a
/// small "production" shop database with real-looking customers (and a live key in its
/// settings), and the first sanitized snapshot of it, made before the bot starts so staging's
/// first deploy has one to copy.
public final class DemoDatabase: @unchecked Sendable {
    public let cluster: PostgresCluster
    /// Files holding the admin's and production's connection strings (given to the bot as
    /// `databases.admin` / `databases.production`).
    public let adminFile: String
    public let productionFile: String
    /// The production rows the sanitized copies must not contain (for checks and for people).
    public static let customers = [
        ("Ada Lovelace", "ada@lovelace.example.com", "+44 20 7946 0000", "prefers calls; also ada.l@mailbox.example.net"),
        ("Grace Hopper", "grace@navy.example.org", "+1 (555) 010-9999", "VIP, card on file 4242 4242 4242 4242"),
        ("Alan Turing", "alan@bletchley.example.co.uk", "555.010.7777", ""),
    ]

    public init(directory: String) throws {
        cluster = try PostgresCluster.start()
        do {
            _ = try cluster.createDatabase("shop")
            try cluster.psql(Self.seed, database: "shop")
            adminFile = directory + "/database-admin.url"
            productionFile = directory + "/database-production.url"
            for (file, text) in [(adminFile, cluster.conninfo), (productionFile, cluster.conninfo(database: "shop"))] {
                guard FileManager.default.createFile(atPath: file, contents: Data((text + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw DemoError("cannot write \(file)")
                }
            }
        } catch {
            cluster.stop()
            throw error
        }
    }

    /// The data settings that point the bot at this cluster.
    public var settings: DataSettings {
        var settings = DataSettings()
        settings.admin = .file(adminFile)
        settings.production = .file(productionFile)
        return settings
    }

    /// Makes a snapshot with the rules of the specs on `main` of `repository`.
    public func makeSnapshot(repository: String, workDir: String, grants: GrantTable) throws -> SnapshotRecord {
        guard let plane = try DataPlane.make(settings: settings, workDir: workDir, grants: grants, logger: .discarding) else {
            throw DemoError("no database server configured")
        }
        let mirror = try ManagedRepository.prepare(source: repository, workDir: workDir + "/snapshot-work")
        let service = SnapshotService(plane: plane, repository: mirror, store: try SQLiteStore(path: ":memory:"), branch: "main",
                                      evidence: nil, logger: .discarding)
        return try service.create(actor: "demo").record
    }

    public func stop() { cluster.stop() }

    static var seed: String {
        var sql = """
        CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL, phone text, notes text);
        CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric(10, 2) NOT NULL);
        CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
        INSERT INTO settings VALUES ('crons', 'on'), ('payments_live_key', 'sk_live_' || md5('demo production key'));

        """
        for (name, email, phone, notes) in customers {
            sql += "INSERT INTO customers (name, email, phone, notes) VALUES ('\(name)', '\(email)', '\(phone)', '\(notes)');\n"
        }
        sql += "INSERT INTO orders (customer_id, total) SELECT id, 100 * id FROM customers;\n"
        return sql
    }
}
