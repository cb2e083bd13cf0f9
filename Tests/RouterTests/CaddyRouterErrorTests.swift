import Foundation
import HTTPClient
import Router
import Runner
import SlipwayCore
import TestSupport
import Testing

/// Bad settings and unreachable or refusing admin endpoints give errors that say what to do and
/// name the endpoint, never a credential.
struct CaddyRouterErrorTests {
    @Test func onlyLoopbackAndUnixSocketAdminEndpointsAreAccepted() throws {
        #expect(try CaddyAdminEndpoint(parsing: "http://127.0.0.1:2019").baseURL == "http://127.0.0.1:2019")
        #expect(try CaddyAdminEndpoint(parsing: "http://localhost:2019/").baseURL == "http://localhost:2019")
        #expect(try CaddyAdminEndpoint(parsing: "http://[::1]:2019").baseURL == "http://[::1]:2019")
        #expect(try CaddyAdminEndpoint(parsing: "unix//run/caddy/admin.sock").unixSocketPath == "/run/caddy/admin.sock")
        #expect(try CaddyAdminEndpoint(parsing: "unix:///run/caddy/admin.sock").unixSocketPath == "/run/caddy/admin.sock")
        for bad in ["http://10.0.0.5:2019", "http://0.0.0.0:2019", "https://127.0.0.1:2019", "http://caddy.example.com:2019",
                    "http://127.0.0.1", "http://u:p@127.0.0.1:2019", "unix/relative", "unix:relative", "127.0.0.1:2019"] {
            #expect(throws: CaddyRouterError.self, "\(bad)") { try CaddyAdminEndpoint(parsing: bad) }
        }
        do {
            _ = try CaddyAdminEndpoint(parsing: "http://10.0.0.5:2019")
        } catch {
            #expect(error.message.contains("loopback"))
        }
    }

    @Test func anUnreachableAdminAPIIsNamedInTheError() throws {
        let port = try CaddyServer.freePort()
        let router = try CaddyRouter(configuration: .init(admin: try CaddyAdminEndpoint(parsing: "http://127.0.0.1:\(port)"),
                                                          previewDomain: "preview.test", listen: ":8443", tls: .internalCA, timeout: 3))
        do {
            try router.route(EnvironmentRoute(environment: "pr-1", kind: .preview, upstreams: ["127.0.0.1:9"]))
            Issue.record("routing without Caddy succeeded")
        } catch {
            #expect("\(error)".contains("http://127.0.0.1:\(port)"))
            #expect("\(error)".contains("cannot connect"))
        }
    }

    @Test func badRoutesAndSettingsAreRefusedBeforeCaddyIsAsked() throws {
        let admin = try CaddyAdminEndpoint(parsing: "http://127.0.0.1:1")
        #expect(throws: CaddyRouterError.self) { try CaddyRouter(configuration: .init(admin: admin, previewDomain: "localhost", tls: .internalCA)) }
        #expect(throws: CaddyRouterError.self) { try CaddyRouter(configuration: .init(admin: admin, previewDomain: "p.test", listen: "443", tls: .internalCA)) }
        #expect(throws: CaddyRouterError.self) { try CaddyRouter(configuration: .init(admin: admin, previewDomain: "p.test", tls: .acme(askURL: "/ask"))) }
        let router = try CaddyRouter(configuration: .init(admin: admin, previewDomain: "p.test", tls: .internalCA))
        #expect(router.publicURL(environment: "pr-3", kind: .preview, host: nil) == "https://pr-3.p.test")
        for route in [
            EnvironmentRoute(environment: "Bad_Name", kind: .preview, upstreams: ["127.0.0.1:1"]),
            EnvironmentRoute(environment: "pr-1", kind: .preview, upstreams: []),
            EnvironmentRoute(environment: "pr-1", kind: .preview, upstreams: ["127.0.0.1"]),
            EnvironmentRoute(environment: "pr-1", kind: .preview, upstreams: ["http://127.0.0.1:80/"]),
            EnvironmentRoute(environment: "staging", kind: .staging, host: "bad host", upstreams: ["127.0.0.1:1"]),
        ] {
            #expect(throws: CaddyRouterError.self) { try router.route(route) }
        }
    }

    @Test func previewCredentialsComeOnlyFromUserColonPassword() throws {
        for bad in ["no-colon", ":password", "user:", "user:pa\nss"] {
            do {
                _ = try PreviewCredentials.fromGrant(bad, grant: "preview-login", cost: 4)
                Issue.record("accepted a bad grant value")
            } catch {
                #expect(error.message.contains("preview-login"))
                #expect(!error.message.contains("pass") || error.message.contains("password"))
            }
        }
        let credentials = try PreviewCredentials.fromGrant("ann:pw:with:colons", grant: "g", cost: 4)
        #expect(credentials.username == "ann")
        #expect(credentials.passwordHash.hasPrefix("$2a$04$"))
    }

    @Test func caddyRefusingAConfigurationIsReportedWithoutTheHash() throws {
        // Slipway's listener on the operator's port: Caddy refuses the configuration.
        let operatorPort = try CaddyServer.freePort()
        let caddy = try CaddyServer.start(operatorApps: ["http": ["servers": ["operator": [
            "listen": ["127.0.0.1:\(operatorPort)"], "routes": [["handle": [["handler": "static_response", "body": "x"]]]],
        ]]]])
        let credentials = try PreviewCredentials.fromGrant("ann:pw", grant: "g", cost: 4)
        let router = try CaddyRouter(configuration: .init(admin: try CaddyAdminEndpoint(parsing: caddy.adminURL), previewDomain: "preview.test",
                                                          listen: "127.0.0.1:\(operatorPort)", tls: .internalCA, previewAuth: credentials))
        do {
            try router.sync([EnvironmentRoute(environment: "pr-1", kind: .preview, upstreams: ["127.0.0.1:9"])])
            Issue.record("Caddy accepted two servers on one address")
        } catch {
            let text = "\(error)"
            #expect(text.contains(caddy.adminURL))
            #expect(text.contains("POST /config/"))
            #expect(!text.contains(credentials.passwordHash))
        }
        // The operator's site still answers.
        #expect(try HTTPClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(operatorPort)/")).bodyText == "x")
    }
}
