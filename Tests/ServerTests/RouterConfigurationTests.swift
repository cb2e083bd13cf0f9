import Foundation
import Runner
import Server
import SlipwayCore
import Testing
import TestSupport

/// The preview router's settings (`--router`, `--preview-domain`, `--caddy-admin`,
/// `--router-listen`, `--tls`, `--tls-cert-file`, `--tls-key-file`, `--preview-auth`), as flags
/// and as slipway.yaml keys.
@Suite("serve configuration: the preview router")
struct RouterConfigurationTests {
    static let keys = ConfigOption.serveOptions.map(\.name)
    static let secret = ["SLIPWAY_WEBHOOK_SECRET": "0123456789abcdef-webhook"]

    func resolve(_ text: String = "", flags: [String: String] = [:], environment: [String: String] = [:]) throws -> BotConfiguration {
        let dir = try TemporaryDirectory()
        var all = flags
        all["config"] = try dir.write("slipway.yaml", text.isEmpty ? "{}" : text)
        return try BotConfiguration.resolve(ConfigSource(flags: all, environment: Self.secret.merging(environment) { $1 }, knownKeys: Self.keys))
    }

    func refusal(_ text: String = "", flags: [String: String] = [:]) -> String {
        do {
            _ = try resolve(text, flags: flags)
            return "(accepted)"
        } catch {
            return "\(error)"
        }
    }

    @Test func withoutARouterEnvironmentsKeepLoopBackURLs() throws {
        let configuration = try resolve()
        #expect(configuration.router.kind == .none)
        #expect(try configuration.router.makeRouter(askURL: nil, grants: GrantTable()) == nil)
        #expect(refusal(flags: ["preview-domain": "preview.example.com"]).contains("need --router caddy"))
    }

    @Test func theIssuesExampleIsReadFromSlipwayYAML() throws {
        let configuration = try resolve("""
        router: caddy
        preview-domain: Preview.Example.com
        caddy-admin: http://127.0.0.1:2019
        router-listen: 0.0.0.0:443
        tls: internal
        """)
        let router = configuration.router
        #expect(router.kind == .caddy)
        #expect(router.previewDomain == "preview.example.com")
        #expect(router.caddyAdmin?.baseURL == "http://127.0.0.1:2019")
        #expect(router.listen == "0.0.0.0:443")
        #expect(router.tls == .internal)
        let made = try #require(try router.makeRouter(askURL: nil, grants: GrantTable()))
        #expect(made.publicURL(environment: "pr-7", kind: .preview, host: nil) == "https://pr-7.preview.example.com")
        #expect(made.publicURL(environment: "staging", kind: .staging, host: "staging.example.com") == "https://staging.example.com")
    }

    @Test func flagsWinAndDefaultsAreAcmeOn443WithCaddysDefaultAdmin() throws {
        let router = try resolve("router: none", flags: ["router": "caddy", "preview-domain": "p.example.com"]).router
        #expect(router.kind == .caddy && router.tls == .acme && router.listen == ":443")
        #expect(router.caddyAdmin?.baseURL == "http://127.0.0.1:2019")
        #expect(throws: ConfigError.self) { try router.makeRouter(askURL: nil, grants: GrantTable()) }
        #expect(try router.makeRouter(askURL: "http://127.0.0.1:8080/slipway/caddy-ask", grants: GrantTable()) != nil)
    }

    @Test func mistakesAreRefusedWithWhatToDo() throws {
        let caddy = ["router": "caddy", "preview-domain": "p.example.com"]
        #expect(refusal(flags: ["router": "traefik"]).contains("--router must be caddy or none"))
        #expect(refusal(flags: ["router": "caddy"]).contains("needs --preview-domain"))
        #expect(refusal(flags: caddy.merging(["caddy-admin": "http://10.1.2.3:2019"]) { $1 }).contains("loopback"))
        #expect(refusal(flags: caddy.merging(["router-listen": "443"]) { $1 }).contains("--router-listen"))
        #expect(refusal(flags: caddy.merging(["tls": "letsencrypt"]) { $1 }).contains("--tls must be"))
        #expect(refusal(flags: caddy.merging(["tls": "files"]) { $1 }).contains("--tls-cert-file and --tls-key-file"))
        #expect(refusal(flags: caddy.merging(["tls": "files", "tls-cert-file": "/nonexistent/c.pem", "tls-key-file": "/nonexistent/k.pem"]) { $1 })
            .contains("cannot read /nonexistent/c.pem"))
        #expect(refusal(flags: caddy.merging(["tls-cert-file": "/etc/hostname"]) { $1 }).contains("only with --tls files"))
        #expect(refusal(flags: caddy.merging(["preview-auth": "nope"]) { $1 }).contains("grant 'nope', which does not exist"))
    }

    @Test func previewAuthIsReadFromItsGrantAndNeverShown() throws {
        let configuration = try resolve("""
        router: caddy
        preview-domain: p.example.com
        tls: internal
        preview-auth: preview-login
        grants:
          preview-login: { env: PREVIEW_LOGIN, environments: [preview] }
        """)
        #expect(configuration.router.previewAuthGrant == "preview-login")
        let router = try configuration.router.makeRouter(askURL: nil, grants: configuration.grants, environment: ["PREVIEW_LOGIN": "ann:hunter2-secret"])
        #expect(router != nil)
        do {
            _ = try configuration.router.makeRouter(askURL: nil, grants: configuration.grants, environment: ["PREVIEW_LOGIN": "hunter2-secret"])
            Issue.record("a grant value without user: was accepted")
        } catch {
            #expect("\(error)".contains("preview-login"))
            #expect(!"\(error)".contains("hunter2"))
        }
        #expect(throws: ConfigError.self) { try configuration.router.makeRouter(askURL: nil, grants: configuration.grants, environment: [:]) }
    }
}
