import Crypto
import Foundation
import TestSupport
import Testing

/// A fresh RSA key made by the openssl CLI in a temporary directory.
struct GeneratedKey {
    let directory: TemporaryDirectory
    let openssl: String
    /// PKCS#8 (`BEGIN PRIVATE KEY`), what `openssl genrsa` writes on OpenSSL 3.
    let pkcs8Path: String
    /// The same key as PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    let pkcs1Path: String
    /// SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`).
    let publicPath: String

    init(bits: Int = 2048) throws {
        openssl = try ExternalTool.path("openssl", apt: "openssl")
        directory = try TemporaryDirectory(prefix: "slipway-rsa")
        pkcs8Path = directory.child("key.pem")
        pkcs1Path = directory.child("key-pkcs1.pem")
        publicPath = directory.child("public.pem")
        try Command.check(openssl, ["genrsa", "-out", pkcs8Path, "\(bits)"])
        try Command.check(openssl, ["rsa", "-in", pkcs8Path, "-traditional", "-out", pkcs1Path])
        try Command.check(openssl, ["rsa", "-in", pkcs8Path, "-pubout", "-out", publicPath])
    }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}

@Suite("RSA keys (RS256)")
struct RSAKeyTests {
    @Test("a signature from a PKCS#8 key verifies with RSAPublicKey and with openssl dgst -verify")
    func signAndVerify() throws {
        let key = try GeneratedKey()
        #expect(try key.text(key.pkcs8Path).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let privateKey = try RSAPrivateKey(pem: key.text(key.pkcs8Path))
        let publicKey = try RSAPublicKey(pem: key.text(key.publicPath))
        #expect(privateKey.bitCount == 2048)
        #expect(publicKey.bitCount == 2048)

        let message = #"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjM0NSJ9"#
        let signature = try privateKey.signSHA256(message)
        #expect(signature.count == 256)
        #expect(publicKey.verifySHA256(signature: signature, message: message))

        // The openssl CLI as independent judge.
        let messagePath = try key.directory.write("message.txt", message)
        let signaturePath = key.directory.child("signature.bin")
        try Data(signature).write(to: URL(fileURLWithPath: signaturePath))
        let verified = try Command.run(key.openssl, ["dgst", "-sha256", "-verify", key.publicPath, "-signature", signaturePath, messagePath])
        #expect(verified.status == 0, "\(verified)")
        #expect(verified.stdout.contains("Verified OK"))

        // A changed message fails both judges.
        let otherPath = try key.directory.write("other.txt", message + ".")
        let refused = try Command.run(key.openssl, ["dgst", "-sha256", "-verify", key.publicPath, "-signature", signaturePath, otherPath])
        #expect(refused.status != 0)
        #expect(!publicKey.verifySHA256(signature: signature, message: message + "."))
    }

    @Test("PKCS#1 and PKCS#8 forms of one key give the byte-identical signature openssl dgst -sign makes")
    func pkcs1AndPKCS8AgreeWithCLI() throws {
        let key = try GeneratedKey()
        #expect(try key.text(key.pkcs1Path).hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        let message = Data("payload to sign\n".utf8)
        let fromPKCS8 = try RSAPrivateKey(pem: key.text(key.pkcs8Path)).signSHA256(message)
        let fromPKCS1 = try RSAPrivateKey(pem: key.text(key.pkcs1Path)).signSHA256(message)
        #expect(fromPKCS8 == fromPKCS1)

        let messagePath = key.directory.child("message.bin")
        try message.write(to: URL(fileURLWithPath: messagePath))
        let cliPath = key.directory.child("cli.sig")
        try Command.check(key.openssl, ["dgst", "-sha256", "-sign", key.pkcs1Path, "-out", cliPath, messagePath])
        let cliSignature = try [UInt8](Data(contentsOf: URL(fileURLWithPath: cliPath)))
        #expect(cliSignature == fromPKCS8)
    }

    @Test("verification rejects a flipped bit, a truncated signature, an empty one and another key's")
    func verifyRejects() throws {
        let key = try GeneratedKey()
        let other = try GeneratedKey()
        let privateKey = try RSAPrivateKey(pem: key.text(key.pkcs8Path))
        let publicKey = try RSAPublicKey(pem: key.text(key.publicPath))
        let otherPublic = try RSAPublicKey(pem: other.text(other.publicPath))
        let signature = try privateKey.signSHA256("m")
        var flipped = signature
        flipped[100] ^= 0x10
        #expect(publicKey.verifySHA256(signature: signature, message: "m"))
        #expect(!publicKey.verifySHA256(signature: flipped, message: "m"))
        #expect(!publicKey.verifySHA256(signature: Array(signature.dropLast()), message: "m"))
        #expect(!publicKey.verifySHA256(signature: [UInt8](), message: "m"))
        #expect(!otherPublic.verifySHA256(signature: signature, message: "m"))
        // An empty message is signable too.
        let empty = try privateKey.signSHA256([UInt8]())
        #expect(publicKey.verifySHA256(signature: empty, message: ""))
    }

    @Test("bad PEM gives a CryptoError naming the function and OpenSSL's reason, never the PEM text")
    func badPEM() throws {
        let garbage = "-----BEGIN PRIVATE KEY-----\nTUlJQ2VRSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NBbU13Z2dKZkFnRUFBb0dCQU5TRUNSRVQ=\n-----END PRIVATE KEY-----\n"
        for pem in ["", "not a key", garbage] {
            let error = try #require(throws: CryptoError.self) { try RSAPrivateKey(pem: pem) }
            #expect(error.function == "PEM_read_bio_PrivateKey")
            #expect(error.code != 0)
            #expect(!error.reason.isEmpty)
            #expect(!error.description.contains("TUlJQ2VRSUJBREFOQmdrcWhraUc5"))
        }
        let publicError = try #require(throws: CryptoError.self) { try RSAPublicKey(pem: "nope") }
        #expect(publicError.function == "PEM_read_bio_PUBKEY")
        #expect(publicError.description.contains("PEM_read_bio_PUBKEY failed:"))
        // A private key is not a public key.
        let key = try GeneratedKey()
        #expect(throws: CryptoError.self) { try RSAPublicKey(pem: key.text(key.pkcs8Path)) }
    }

    @Test("an encrypted key fails without prompting and without echoing the passphrase")
    func encryptedKey() throws {
        let openssl = try ExternalTool.path("openssl", apt: "openssl")
        let directory = try TemporaryDirectory()
        let path = directory.child("encrypted.pem")
        try Command.check(openssl, ["genrsa", "-aes256", "-passout", "pass:hunter2-passphrase", "-out", path, "2048"])
        let pem = try String(contentsOfFile: path, encoding: .utf8)
        #expect(pem.contains("ENCRYPTED"))
        let error = try #require(throws: CryptoError.self) { try RSAPrivateKey(pem: pem) }
        #expect(!error.description.contains("hunter2"))
    }

    @Test("a non-RSA (EC P-256) key is refused")
    func nonRSAKey() throws {
        let openssl = try ExternalTool.path("openssl", apt: "openssl")
        let directory = try TemporaryDirectory()
        let path = directory.child("ec.pem")
        try Command.check(openssl, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
        let error = try #require(throws: CryptoError.self) { try RSAPrivateKey(pem: String(contentsOfFile: path, encoding: .utf8)) }
        #expect(error.reason.contains("not RSA"))
    }

    @Test("one key signs from many tasks at once")
    func concurrentSigning() async throws {
        let key = try GeneratedKey()
        let privateKey = try RSAPrivateKey(pem: key.text(key.pkcs8Path))
        let publicKey = try RSAPublicKey(pem: key.text(key.publicPath))
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let message = "message \(index)"
                    return publicKey.verifySHA256(signature: try privateKey.signSHA256(message), message: message)
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 16))
    }
}
