import Foundation
import Server
import SlipwayCore
import Testing
import TestSupport

/// The operator's data settings: `databases:`, `snapshot:` and `mail-catchall` in slipway.yaml and
/// as flags. Connection strings are only ever named by where they are, never written inline.
@Suite("serve configuration: databases, snapshots and the mail catch-all")
struct DataConfigurationTests {
    static let keys = ConfigOption.serveOptions.map(\.name)
    static let secret = ["SLIPWAY_WEBHOOK_SECRET": "0123456789abcdef-webhook"]

    func resolve(_ text: String, flags: [String: String] = [:]) throws -> BotConfiguration {
        let dir = try TemporaryDirectory()
        let file = try dir.write("slipway.yaml", text)
        var all = flags
        all["config"] = file
        return try BotConfiguration.resolve(ConfigSource(flags: all, environment: Self.secret, knownKeys: Self.keys))
    }

    @Test("the issue's example configuration is read as written, underscores and all")
    func example() throws {
        let configuration = try resolve("""
        databases:
          admin: { env: PG_ADMIN_URL }
          production: { file: /etc/slipway/prod-ro-url }
          app_host: 10.0.0.5:5433
        snapshot: { every: 7d, keep: 5 }
        mail_catchall: smtp://127.0.0.1:1025
        """)
        #expect(configuration.data.admin == .env("PG_ADMIN_URL"))
        #expect(configuration.data.production == .file("/etc/slipway/prod-ro-url"))
        #expect(configuration.data.appHost?.host == "10.0.0.5")
        #expect(configuration.data.appHost?.port == 5433)
        #expect(configuration.data.snapshotEvery.map { Int($0.rounded()) } == 604_800)
        #expect(configuration.data.snapshotKeep == 5)
        #expect(configuration.data.mailCatchall == MailCatchall(host: "127.0.0.1", port: 1025))
    }

    @Test("nothing configured: no databases, no schedule, mail to a closed port")
    func defaults() throws {
        let configuration = try resolve("listen: 127.0.0.1:0\n")
        #expect(configuration.data == DataSettings())
        #expect(configuration.data.snapshotKeep == 3)
    }

    @Test("flags win over the file")
    func flags() throws {
        let configuration = try resolve("databases:\n  admin: { env: A }\n", flags: ["database-admin": "file:/run/admin-url", "snapshot-keep": "2"])
        #expect(configuration.data.admin == .file("/run/admin-url"))
        #expect(configuration.data.snapshotKeep == 2)
    }

    @Test("bad data settings are refused with the place and a way forward, never echoing a connection string", arguments: [
        ("databases:\n  admin: postgres://admin:hunter2-secret@db/postgres\n", "never written inline"),
        ("databases:\n  admin: { url: postgres://admin:hunter2-secret@db/x }\n", "must be { env: VARIABLE } or { file: PATH }"),
        ("databases:\n  admn: { env: A }\n", "did you mean 'admin'"),
        ("databases:\n  production: { env: P }\n", "needs --database-admin"),
        ("databases:\n  admin: { env: A }\nsnapshot: { every: 7d }\n", "needs a production source"),
        ("databases:\n  admin: { env: A }\n  production: { env: P }\nsnapshot: { every: soon }\n", "--snapshot-every must be a duration"),
        ("snapshot: { keep: 0 }\n", "--snapshot-keep must be a number from 1 to 100"),
        ("mail-catchall: mail.example.com\n", "--mail-catchall must be smtp://HOST:PORT"),
        ("mail-catchall: smtp://user:hunter2-secret@mail:25\n", "--mail-catchall must be smtp://HOST:PORT"),
        ("databases:\n  admin: { env: A }\n  app-host: nohost\n", "--database-app-host must be HOST:PORT"),
        ("databases: [admin]\n", "'databases' must be a mapping"),
        ("mail_catchall: smtp://a:1\nmail-catchall: smtp://b:2\n", "set twice"),
    ])
    func refused(text: String, expected: String) throws {
        do {
            _ = try resolve(text)
            Issue.record("accepted: \(text)")
        } catch let error as ConfigError {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("hunter2"), "\(error.message)")
        }
    }

    @Test("a connection string is read from its variable or file when used; a missing one names the place only")
    func reading() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("url", "postgresql://admin:s3cret-pass@127.0.0.1:5432/postgres\n")
        #expect(try DataSettings.read(.file(file), what: "admin") == "postgresql://admin:s3cret-pass@127.0.0.1:5432/postgres")
        #expect(try DataSettings.read(.env("X"), environment: ["X": "host=/tmp"], what: "admin") == "host=/tmp")
        #expect(throws: ConfigError.self) { try DataSettings.read(.env("MISSING"), environment: [:], what: "admin") }
        #expect(throws: ConfigError.self) { try DataSettings.read(.file(dir.path + "/none"), what: "admin") }
    }
}
