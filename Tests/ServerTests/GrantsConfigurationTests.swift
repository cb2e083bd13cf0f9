import Foundation
import Server
import SlipwayCore
import Testing
import TestSupport

/// The operator's side of secrets: grants in slipway.yaml and `--grant`, and the webhook secret's
/// minimum length.
@Suite("serve configuration: grants and the webhook secret")
struct GrantsConfigurationTests {
    static let keys = ConfigOption.serveOptions.map(\.name)
    static let secret = ["SLIPWAY_WEBHOOK_SECRET": "0123456789abcdef-webhook"]

    @Test("grants come from slipway.yaml and --grant; a flag replaces a file grant of the same name")
    func grantsFromFileAndFlags() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("slipway.yaml", """
        grants:
          stripe-test: { env: STRIPE_TEST_KEY, environments: [preview, staging] }
          stripe-live: { file: /etc/slipway/stripe-live, environments: [production] }
        """)
        let source = try ConfigSource(flags: ["config": file], environment: Self.secret, knownKeys: Self.keys,
                                      grantFlags: ["stripe-test=env:OTHER_KEY@pr-*", "mail=file:/etc/slipway/smtp@staging"])
        let configuration = try BotConfiguration.resolve(source)
        #expect(configuration.grants.names == ["mail", "stripe-live", "stripe-test"])
        #expect(configuration.grants["stripe-test"] == Grant(name: "stripe-test", source: .env("OTHER_KEY"), environments: ["pr-*"]))
        #expect(configuration.grants["stripe-live"]?.allows(environment: "production", kind: .production) == true)
        #expect(configuration.grants["stripe-live"]?.allows(environment: "staging", kind: .staging) == false)
    }

    @Test("bad grants are refused with file:line:column or the flag, and never repeat a value", arguments: [
        ("grants:\n  x: sk_live_123\n", "slipway.yaml:2:6: grant x must be a mapping"),
        ("grants:\n  x: { env: A, file: /b, environments: [preview] }\n", "needs exactly one of env or file"),
        ("grants:\n  x: { env: A }\n", "grant x needs 'environments'"),
        ("grants:\n  x: { env: SLIPWAY_FORGE_TOKEN, environments: [preview] }\n", "SLIPWAY_* variables hold Slipway's own secrets"),
        ("grants:\n  x: { file: relative/path, environments: [preview] }\n", "must be an absolute path"),
        ("grants:\n  x: { env: A, environemnts: [preview] }\n", "did you mean 'environments'"),
        ("grants: [a, b]\n", "grants must be a mapping"),
    ])
    func badGrants(text: String, expected: String) throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("slipway.yaml", text)
        do {
            _ = try BotConfiguration.resolve(ConfigSource(flags: ["config": file], environment: Self.secret, knownKeys: Self.keys))
            Issue.record("accepted: \(text)")
        } catch let error as ConfigError {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("sk_live_123"))
        }
    }

    @Test("bad --grant flags say the accepted form", arguments: ["nonsense", "x=env:A", "x=vault:a@preview", "x=env:A@", "-x=env:A@preview"])
    func badFlags(flag: String) {
        #expect(throws: ConfigError.self) {
            try ConfigSource(flags: [:], environment: Self.secret, knownKeys: Self.keys, grantFlags: [flag])
        }
    }

    @Test("a grant may not hand out one of Slipway's own secret files")
    func ownFilesAreNotGrants() throws {
        let dir = try TemporaryDirectory()
        let token = try dir.write("token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789\n")
        let source = try ConfigSource(flags: ["forge-token-file": token], environment: Self.secret, knownKeys: Self.keys,
                                      grantFlags: ["steal=file:\(token)@preview"])
        #expect { try BotConfiguration.resolve(source) } throws: { error in
            "\(error)".contains("holds one of Slipway's own secrets") && !"\(error)".contains("ghp_")
        }
    }

    @Test("a webhook secret under 16 bytes is refused, from a file or the environment")
    func shortSecret() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("secret", "short\n")
        #expect { try BotConfiguration.resolve(ConfigSource(flags: ["webhook-secret-file": file], environment: [:], knownKeys: Self.keys)) } throws: { error in
            "\(error)".contains("at least 16") && !"\(error)".contains("short")
        }
        #expect(throws: ConfigError.self) {
            try BotConfiguration.resolve(ConfigSource(flags: [:], environment: ["SLIPWAY_WEBHOOK_SECRET": "fifteen-bytes!!"], knownKeys: Self.keys))
        }
        #expect(try BotConfiguration.resolve(ConfigSource(flags: [:], environment: ["SLIPWAY_WEBHOOK_SECRET": "sixteen-bytes!!!"], knownKeys: Self.keys))
            .webhookSecret.count == 16)
    }
}
