import Crypto
import Forge
import Foundation
import HTTPClient
import HTTPTypes
import Server
import SlipwayCore
import Store
import Testing
import TestSupport

@Suite("serve configuration")
struct ConfigurationTests {
    static let keys = ConfigOption.serveOptions.map(\.name)

    @Test("flags win over the environment, the environment over the file, the file over defaults")
    func precedence() throws {
        let dir = try TemporaryDirectory()
        let secretFile = try dir.write("secret", "from-file-secret\n")
        let file = try dir.write("slipway.yaml", """
        listen: 127.0.0.1:9001
        webhook-path: /from-file
        max-body: 1Mi
        work-dir: \(dir.path)/work
        webhook-secret-file: \(secretFile)
        """)
        let source = try ConfigSource(
            flags: ["config": file, "listen": "127.0.0.1:9003"],
            environment: ["SLIPWAY_LISTEN": "127.0.0.1:9002", "SLIPWAY_WEBHOOK_PATH": "/from-env"],
            knownKeys: Self.keys
        )
        let config = try BotConfiguration.resolve(source)
        #expect(config.listenPort == 9003)
        #expect(config.webhookPath == "/from-env")
        #expect(config.maxBody == 1024 * 1024)
        #expect(config.workDir == "\(dir.path)/work")
        #expect(config.store == .sqlite(path: "\(dir.path)/work/state.db", synchronousFull: false))
        #expect(config.webhookSecret == Array("from-file-secret".utf8))
        #expect(!config.description.contains("from-file-secret"))
    }

    @Test("the secret can come from SLIPWAY_WEBHOOK_SECRET; without any, the error says how to give one")
    func secretSources() throws {
        let fromEnv = try BotConfiguration.resolve(ConfigSource(flags: [:], environment: ["SLIPWAY_WEBHOOK_SECRET": "env-secret-value"], knownKeys: Self.keys))
        #expect(fromEnv.webhookSecret == Array("env-secret-value".utf8))
        let error = #expect(throws: ConfigError.self) {
            try BotConfiguration.resolve(ConfigSource(flags: [:], environment: [:], knownKeys: Self.keys))
        }
        #expect(error?.message.contains("--webhook-secret-file") == true)
        #expect(error?.message.contains("SLIPWAY_WEBHOOK_SECRET") == true)
        let dir = try TemporaryDirectory()
        let empty = try dir.write("empty", "\n")
        #expect(throws: ConfigError.self) {
            try BotConfiguration.resolve(ConfigSource(flags: ["webhook-secret-file": empty], environment: [:], knownKeys: Self.keys))
        }
    }

    @Test("config file mistakes are reported with their position, and an inline secret is refused")
    func fileMistakes() throws {
        let dir = try TemporaryDirectory()
        let typo = try dir.write("a.yaml", "listen: 127.0.0.1:1\nwebhook-pat: /x\n")
        let error = #expect(throws: ConfigError.self) { try ConfigSource(flags: ["config": typo], environment: [:], knownKeys: Self.keys) }
        #expect(error?.message == "\(typo):2:1: unknown setting 'webhook-pat' (did you mean 'webhook-path'?)")
        let inline = try dir.write("b.yaml", "webhook-secret: hunter2hunter2\n")
        let inlineError = #expect(throws: ConfigError.self) { try ConfigSource(flags: ["config": inline], environment: [:], knownKeys: Self.keys) }
        #expect(inlineError?.message.contains("never written inline") == true)
        #expect(inlineError?.message.contains("hunter2") == false)
        let broken = try dir.write("c.yaml", "listen: [unclosed\n")
        #expect(throws: ConfigError.self) { try ConfigSource(flags: ["config": broken], environment: [:], knownKeys: Self.keys) }
        #expect(throws: ConfigError.self) { try ConfigSource(flags: ["config": dir.child("missing.yaml")], environment: [:], knownKeys: Self.keys) }
    }

    @Test("bad values are refused with the accepted forms", arguments: [
        ("listen", "nonsense"), ("listen", "127.0.0.1:99999"), ("max-body", "lots"), ("log-format", "xml"),
        ("webhook-path", "hooks"), ("store", "mysql://x"), ("reconcile-interval", "soon"), ("delivery-workers", "0"),
    ])
    func badValues(name: String, value: String) {
        #expect(throws: ConfigError.self) {
            try BotConfiguration.resolve(ConfigSource(flags: [name: value], environment: ["SLIPWAY_WEBHOOK_SECRET": "s3cret-value-0123456"], knownKeys: Self.keys))
        }
    }

    @Test("listen addresses and sizes parse")
    func parsing() throws {
        #expect(try BotConfiguration.parseListen("0.0.0.0:8080") == ("0.0.0.0", 8080))
        #expect(try BotConfiguration.parseListen(":9000") == ("127.0.0.1", 9000))
        #expect(try BotConfiguration.parseListen("[::1]:80") == ("::1", 80))
        #expect(BotConfiguration.parseSize("25Mi") == 25 * 1024 * 1024)
        #expect(BotConfiguration.parseSize("10K") == 10_000)
        #expect(BotConfiguration.parseSize("x") == nil)
    }
}

@Suite("Readiness follows the store", .serialized)
struct ReadinessTests {
    @Test("/readyz answers 503 when PostgreSQL goes away and 200 while it answers")
    func readyzFollowsPostgres() throws {
        let cluster = try PostgresCluster.start()
        defer { cluster.stop() }
        let dir = try TemporaryDirectory()
        let configuration = BotConfiguration(listenPort: 0, webhookSecret: Array("secret-value".utf8),
                                             store: .postgres(url: try cluster.createDatabase("ready")), workDir: dir.path)
        let app = try BotApplication.build(configuration: configuration, logger: .discarding)
        try app.start()
        defer { app.stop() }
        let client = HTTPClientForTests()
        #expect(try client.status("http://127.0.0.1:\(app.port)/readyz") == 200)
        cluster.stop()
        try Eventually.wait(for: "/readyz to answer 503", timeout: 30) {
            try client.status("http://127.0.0.1:\(app.port)/readyz") == 503
        }
        #expect(try client.status("http://127.0.0.1:\(app.port)/healthz") == 200)
    }
}

@Suite("Deliveries about other repositories")
struct OtherRepositoryTests {
    @Test("a delivery about another repository than the forge's is journaled as ignored, with that reason")
    func otherRepositoryIgnored() throws {
        let dir = try TemporaryDirectory()
        var configuration = BotConfiguration(listenPort: 0, webhookSecret: Array(TestBot.secret.utf8),
                                             store: .sqlite(path: dir.child("state.db"), synchronousFull: false), workDir: dir.path)
        configuration.forge = ForgeSettings(repository: ForgeRepository("acme/shop"))
        let app = try BotApplication.build(configuration: configuration, logger: .discarding)
        try app.start()
        defer { app.stop() }
        let body = try TestBot.fixture("pull_request.opened.json") // Codertocat/Hello-World
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("X-GitHub-Event", "pull_request")
        headers.add("X-GitHub-Delivery", "other-repo")
        headers.add("X-Hub-Signature-256", WebhookSignature.sign(body: body, secret: TestBot.secret))
        let response = try HTTPClient().send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(app.port)/webhook", headers: headers, body: body))
        #expect(response.status == 202)
        let record = try Eventually.value(of: "the delivery to be finished") { () -> DeliveryRecord? in
            guard let record = try app.store.delivery(id: "other-repo"), record.status.isFinal else { return nil }
            return record
        }
        #expect(record.status == .ignored)
        #expect(record.reason?.contains("Codertocat/Hello-World") == true)
        #expect(record.reason?.contains("acme/shop") == true)
    }
}
