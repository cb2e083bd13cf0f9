import Crypto
import Foundation
import Git
import HTTPClient
import HTTPTypes
import Server
import SlipwayCore
import Store
import TestSupport
import Testing

@Suite("The managed repository from --repo")
struct ManagedForgeRepositoryTests {
    @Test("OWNER/NAME is derived from github.com URLs, and from URLs on a GitHub Enterprise --forge-url's host only")
    func derivedFromRepoURL() {
        let github = "https://api.github.com"
        #expect(ForgeSettings.managedRepository(derivedFrom: "https://github.com/acme/shop.git", apiBaseURL: github)?.description == "acme/shop")
        #expect(ForgeSettings.managedRepository(derivedFrom: "https://github.com/acme/shop", apiBaseURL: github)?.description == "acme/shop")
        #expect(ForgeSettings.managedRepository(derivedFrom: "git@github.com:acme/shop.git", apiBaseURL: github)?.description == "acme/shop")
        let enterprise = "https://ghe.example.com/api/v3"
        #expect(ForgeSettings.managedRepository(derivedFrom: "https://ghe.example.com/acme/shop.git", apiBaseURL: enterprise)?.description == "acme/shop")
        #expect(ForgeSettings.managedRepository(derivedFrom: "git@ghe.example.com:acme/shop.git", apiBaseURL: enterprise)?.description == "acme/shop")
        #expect(ForgeSettings.managedRepository(derivedFrom: "https://github.com/acme/shop.git", apiBaseURL: enterprise)?.description == "acme/shop")
        #expect(ForgeSettings.managedRepository(derivedFrom: "https://ghe.example.com/acme/shop.git", apiBaseURL: github) == nil)
        #expect(ForgeSettings.managedRepository(derivedFrom: "https://git.example.org/acme/shop.git", apiBaseURL: enterprise) == nil)
        #expect(ForgeSettings.managedRepository(derivedFrom: "/srv/git/shop.git", apiBaseURL: enterprise) == nil)
        #expect(ForgeSettings.managedRepository(derivedFrom: "https://ghe.example.com/acme/shop/extra.git", apiBaseURL: enterprise) == nil)
    }

    @Test("without forge credentials, a --repo URL on the forge's host makes deliveries about another repository ignored, through the real ingress")
    func otherRepositoryIgnoredWithoutCredentials() throws {
        let scratch = try TemporaryDirectory(prefix: "slipway-managed-repo")
        let remote = try Repository.create(at: scratch.child("git/acme/shop.git"), bare: true, initialBranch: "main")
        _ = try remote.commit(changes: ["README.md": .write(Data("# shop\n".utf8))], onBranch: "main", parent: nil,
                              author: GitFixture.author, message: "base")
        let passwordFile = try scratch.write("password", "pw-0123456789\n")
        let git = try SmartHTTPGitServer(root: scratch.child("git"), username: "reader", passwordFile: passwordFile,
                                         logPath: scratch.child("git-http.log"))
        defer { git.stop() }
        // An Enterprise-style forge on the git server's host; with no credentials it is never called.
        let repoURL = "http://reader:pw-0123456789@127.0.0.1:\(git.port)/acme/shop.git"
        let source = try ConfigSource(flags: ["repo": repoURL, "forge-url": "http://127.0.0.1:9/api/v3", "listen": "127.0.0.1:0",
                                              "work-dir": scratch.child("work"), "reconcile-interval": "1h"],
                                      environment: ["SLIPWAY_WEBHOOK_SECRET": TestBot.secret],
                                      knownKeys: ConfigOption.serveOptions.map(\.name))
        let configuration = try BotConfiguration.resolve(source)
        #expect(configuration.forge.credentials == nil)
        #expect(configuration.forge.repository?.description == "acme/shop")
        let handler = CountingHandler()
        let app = try BotApplication.build(configuration: configuration, logger: .discarding, handler: handler)
        try app.start()
        defer { app.stop() }

        let other = try TestBot.fixture("pull_request.opened.json") // about Codertocat/Hello-World
        var object = try #require(try JSONSerialization.jsonObject(with: other) as? [String: Any])
        var repository = try #require(object["repository"] as? [String: Any])
        repository["full_name"] = "acme/shop"
        repository["name"] = "shop"
        object["repository"] = repository
        let ours = try JSONSerialization.data(withJSONObject: object)

        for (id, body) in [("about-other", other), ("about-ours", ours)] {
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/json")
            headers.add("X-GitHub-Event", "pull_request")
            headers.add("X-GitHub-Delivery", id)
            headers.add("X-Hub-Signature-256", WebhookSignature.sign(body: body, secret: TestBot.secret))
            let response = try HTTPClient().send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(app.port)/webhook",
                                                                   headers: headers, body: body))
            #expect(response.status == 202)
        }
        func finished(_ id: String) throws -> DeliveryRecord {
            try Eventually.value(of: "delivery \(id) to be finished") { () -> DeliveryRecord? in
                guard let record = try app.store.delivery(id: id), record.status.isFinal else { return nil }
                return record
            }
        }
        let ignored = try finished("about-other")
        #expect(ignored.status == .ignored)
        #expect(ignored.reason?.contains("Codertocat/Hello-World") == true && ignored.reason?.contains("acme/shop") == true)
        #expect(try finished("about-ours").status == .processed)
        #expect(handler.count("about-other") == 0 && handler.count("about-ours") == 1)
    }
}
