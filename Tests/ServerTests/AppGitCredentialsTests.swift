import Crypto
import FakeGitHub
import Forge
import Foundation
import Git
import Reconcile
import Server
import SlipwayCore
import Synchronization
import TestSupport
import Testing

/// Time that only moves when the test says so.
final class ManualForgeClock: ForgeClock {
    private let current = Mutex(Date())
    func now() -> Date { current.withLock { $0 } }
    func sleep(seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    func advance(_ seconds: Double) { sleep(seconds: seconds) }
}

@Suite("GitHub App credentials for git")
struct AppGitCredentialsTests {
    @Test("in App mode fetches and pushes send x-access-token and the current installation token; an expiring token is renewed and the next fetch uses the new one")
    func installationTokenAuthenticatesGit() throws {
        let remote = try GitFixture()
        try remote.commit("main", GitFixture.baseFiles, message: "base")
        let scratch = try TemporaryDirectory(prefix: "slipway-app-git")
        let passwordFile = scratch.child("accepted-token")
        #expect(FileManager.default.createFile(atPath: passwordFile, contents: Data()))
        // The git server accepts user x-access-token with the token the fake minted last, only.
        let server = try SmartHTTPGitServer(root: remote.directory.path, username: "x-access-token", passwordFile: passwordFile,
                                            logPath: scratch.child("git-http.log"))
        defer { server.stop() }

        let key = try TestRSAKey()
        let clock = ManualForgeClock()
        let fake = FakeGitHub(token: nil, now: { clock.now() })
        // The fake and the client share the clock. Tokens live 301 s; the client renews one with less than 300 s left.
        fake.installApp(appID: "4242", publicKeyPEM: key.publicPEM, installationID: 77, tokenLifetime: 301)
        fake.onTokenMinted { token in try? Data(token.utf8).write(to: URL(fileURLWithPath: passwordFile)) }
        try fake.start()
        defer { fake.stop() }
        let credentials = ForgeCredentials.app(GitHubAppCredentials(appID: "4242", privateKey: try RSAPrivateKey(pem: key.privatePEM),
                                                                    installationID: 77))
        var redactor = Redactor()
        redactor.learned = LearnedSecrets()
        let takenAtStart = redactor
        let client = try GitHubClient(configuration: .init(apiBaseURL: fake.baseURL, repository: ForgeRepository("octo-org/shop")!),
                                      credentials: credentials, logger: Logger(sink: MemoryLogSink(), redactor: redactor), clock: clock)

        let source = server.url("remote.git")
        let provider = ForgeGitCredentials.provider(source: source, credentials: credentials, client: client)
        let mirror = try ManagedRepository.prepare(source: source, workDir: scratch.child("work"), credentialProvider: provider)
        #expect(fake.mintedTokens.count == 1)
        let first = try #require(fake.mintedTokens.first)
        #expect(try mirror.withRepository { try $0.resolve("refs/heads/main").hex } == remote.head("main"))

        let publisher = BranchPublisher(repository: mirror, branch: "slipway/evidence", credentials: nil, maxAttempts: 3)
        let author = Signature(name: "slipway", email: "slipway@example.com", date: Date())
        _ = try publisher.publish(author: author) { _, _ in (["one.txt": .write(Data("1\n".utf8))], "first") }
        #expect(try remote.repository.resolve("refs/heads/slipway/evidence").hex.count == 40)
        #expect(fake.mintedTokens.count == 1, "cached while fresh")

        // 299 s left: the next transfer renews the token, and the server now refuses the old one.
        clock.advance(2)
        let moved = try remote.commit("main", ["CHANGELOG.md": "two\n"], message: "second")
        try mirror.fetch()
        #expect(fake.mintedTokens.count == 2)
        let second = fake.mintedTokens[1]
        #expect(second != first)
        #expect(try mirror.withRepository { try $0.resolve("refs/heads/main").hex } == moved)
        _ = try publisher.publish(author: author) { _, _ in (["two.txt": .write(Data("2\n".utf8))], "second") }
        #expect(try mirror.withRepository { try $0.resolve("refs/heads/slipway/evidence") } == (try remote.repository.resolve("refs/heads/slipway/evidence")))
        #expect(fake.mintedTokens.count == 2)

        // The new token opens the remote and the old one no longer does: the fetch above used the new one.
        _ = try ManagedRepository.prepare(source: source, workDir: scratch.child("fresh"), credentialProvider: .fixed(.token(second)))
        #expect(throws: RepositoryError.self) {
            _ = try ManagedRepository.prepare(source: source, workDir: scratch.child("stale"), credentialProvider: .fixed(.token(first)))
        }
        #expect(server.requests.contains { $0.hasSuffix(" 401") })

        // Every copy of the bot's redactor, even one taken before, masks the tokens minted later.
        #expect(takenAtStart.redact("a \(first) b \(second)") == "a *** b ***")
    }

    @Test("a token goes to https remotes and to http on loopback only; a local path gets none")
    func credentialsOnlyOverSafeTransports() throws {
        let token = ForgeCredentials.token("ghp_abcdefgh12345678")
        func password(_ source: String) throws -> String? {
            try ForgeGitCredentials.provider(source: source, credentials: token, client: nil).current()?.password
        }
        #expect(try password("https://github.com/acme/shop.git") == "ghp_abcdefgh12345678")
        #expect(try password("http://127.0.0.1:9418/shop.git") == "ghp_abcdefgh12345678")
        #expect(try password("http://localhost/shop.git") == "ghp_abcdefgh12345678")
        #expect(try password("http://git.example.com/shop.git") == nil)
        #expect(try password("http://127.0.0.1.example.com/shop.git") == nil)
        #expect(try password("/srv/git/shop.git") == nil)
        #expect(try ForgeGitCredentials.provider(source: "https://github.com/acme/shop.git", credentials: token, client: nil).current()?.username
            == "x-access-token")
    }
}

/// A fresh RSA key pair made by the openssl CLI.
struct TestRSAKey {
    let privatePEM: String
    let publicPEM: String

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw SmartHTTPGitServer.Failure(description: "/usr/bin/openssl is missing: install the Debian package `openssl`")
        }
        let directory = try TemporaryDirectory(prefix: "slipway-server-key")
        let privatePath = directory.child("key.pem"), publicPath = directory.child("public.pem")
        try Command.check("/usr/bin/openssl", ["genrsa", "-out", privatePath, "2048"])
        try Command.check("/usr/bin/openssl", ["rsa", "-in", privatePath, "-pubout", "-out", publicPath])
        privatePEM = try String(contentsOfFile: privatePath, encoding: .utf8)
        publicPEM = try String(contentsOfFile: publicPath, encoding: .utf8)
    }
}
