import Crypto
import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import Testing

@Suite("GitHub App authentication")
struct GitHubAppTests {
    @Test("the App JWT is RS256-signed by the key, issued 60 s in the past, expires within 10 minutes, and names the app")
    func jwtClaims() throws {
        let key = try GeneratedKey()
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let jwt = try GitHubAppJWT.make(appID: "123456", key: RSAPrivateKey(pem: key.privatePEM), now: now)
        let parts = jwt.split(separator: ".")
        #expect(parts.count == 3)
        let publicKey = try RSAPublicKey(pem: key.publicPEM)
        let signature = try #require(Base64URL.decode(parts[2]))
        #expect(publicKey.verifySHA256(signature: signature, message: String(parts[0] + "." + parts[1])))
        #expect(!publicKey.verifySHA256(signature: signature, message: String(parts[0] + "." + parts[1] + "x")))
        let headerBytes = try #require(Base64URL.decode(parts[0])), claimsBytes = try #require(Base64URL.decode(parts[1]))
        let header = try #require(try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any])
        #expect(header["alg"] as? String == "RS256")
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(claimsBytes)) as? [String: Any])
        let issuedAt = try #require(claims["iat"] as? Int), expires = try #require(claims["exp"] as? Int)
        #expect(issuedAt == 1_767_225_600 - 60)
        #expect(expires > 1_767_225_600 && expires - 1_767_225_600 <= 600)
        #expect(claims["iss"] as? String == "123456")
    }

    @Test("an installation token is found, minted, cached, and refreshed before it expires; no token or JWT leaks")
    func installationTokenLifecycle() throws {
        let key = try GeneratedKey()
        let fake = FakeGitHub(token: nil)
        // Tokens live 301 s; the client renews with less than 300 s left.
        fake.installApp(appID: "4242", publicKeyPEM: key.publicPEM, installationID: 77, tokenLifetime: 301)
        try fake.start()
        fake.addPullRequest(number: 5, headSHA: String(repeating: "5", count: 40))
        let app = try GitHubAppCredentials(appID: "4242", privateKey: RSAPrivateKey(pem: key.privatePEM))
        let harness = try Harness(fake: fake, credentials: .app(app))

        #expect(try harness.client.pullRequest(5).number == 5)
        #expect(try harness.client.listOpenPullRequests().count == 1)
        #expect(fake.mintedTokens.count == 1, "the token is cached")
        let paths = fake.requests.map { "\($0.method) \($0.path)" }
        #expect(paths == ["GET /repos/octo-org/shop/installation", "POST /app/installations/77/access_tokens",
                          "GET /repos/octo-org/shop/pulls/5", "GET /repos/octo-org/shop/pulls"])
        let minted = fake.mintedTokens[0]
        #expect(fake.requests[2].headers["Authorization"] == "Bearer \(minted)")
        #expect(fake.requests[1].jsonBody?["repositories"] as? [String] == ["shop"])

        harness.clock.advance(2) // 299 s left: renew before use
        #expect(try harness.client.pullRequest(5).number == 5)
        #expect(fake.mintedTokens.count == 2)
        #expect(fake.requests.last?.headers["Authorization"] == "Bearer \(fake.mintedTokens[1])")
        #expect(fake.requests.filter { $0.path.hasSuffix("/installation") }.count == 2, "no installation id configured: looked up each time")

        let jwts = fake.requests.filter { $0.path.hasPrefix("/app/") }.compactMap { $0.headers["Authorization"]?.dropFirst(7) }.map(String.init)
        for secret in fake.mintedTokens + jwts {
            #expect(!harness.log.text.contains(secret))
        }
        #expect(harness.log.all.contains { $0.message == "minted a GitHub App installation token" })
    }

    @Test("concurrent callers share one refresh; a wrong key is a clear configuration error")
    func concurrentRefreshAndWrongKey() throws {
        let key = try GeneratedKey(), otherKey = try GeneratedKey()
        let fake = FakeGitHub(token: nil)
        fake.installApp(appID: "4242", publicKeyPEM: key.publicPEM, installationID: 77)
        try fake.start()
        fake.addPullRequest(number: 5, headSHA: String(repeating: "5", count: 40))
        let harness = try Harness(fake: fake, credentials: .app(GitHubAppCredentials(appID: "4242", privateKey: RSAPrivateKey(pem: key.privatePEM), installationID: 77)))
        let group = DispatchGroup()
        for _ in 0..<6 {
            group.enter()
            Thread.detachNewThread {
                _ = try? harness.client.pullRequest(5)
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 20) == .success)
        #expect(fake.mintedTokens.count == 1)
        #expect(!fake.requests.contains { $0.path.hasSuffix("/installation") }, "a configured installation id is used as is")

        let wrong = try Harness(fake: fake, credentials: .app(GitHubAppCredentials(appID: "4242", privateKey: RSAPrivateKey(pem: otherKey.privatePEM), installationID: 77)))
        let error = try #require(throws: ForgeError.self) { try wrong.client.pullRequest(5) }
        #expect(error.kind == .unauthorized)
        #expect(error.operation == .createInstallationToken)
        #expect(error.description.contains("octo-org/shop"))
    }
}
