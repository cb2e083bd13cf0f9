import Crypto
import Foundation
import TestSupport
import Testing

/// One entry of `Fixtures/hmac-vectors.json` (every section shares these optional fields).
struct HMACVector: Decodable {
    let id: String
    let secret: String
    let payload: String?
    let payloadFile: String?
    let payloadBytes: Int?
    let payloadSha256: String?
    let secretUtf8Hex: String?
    let signature: String?
    let xHubSignature256: String?
    let xHubSignature: String?
    let xGiteaSignature: String?
    let presentedHeader: String?
    let presentedHeaders: [String: String]?
    let hmacOfMutatedBody: String?
    let hmacWithThisSecret: String?
}

struct HMACVectorFile: Decodable {
    let documented: [HMACVector]
    let captured: [HMACVector]
    let computed: [HMACVector]
    let negative: [HMACVector]

    static func load() throws -> HMACVectorFile {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(HMACVectorFile.self, from: Fixtures.data("hmac-vectors.json"))
    }

    /// The body a vector signs: its inline `payload` or the exact bytes of its `payload_file`.
    static func body(of vector: HMACVector) throws -> [UInt8] {
        if let payload = vector.payload { return Array(payload.utf8) }
        let name = try #require(vector.payloadFile, "vector \(vector.id) has neither payload nor payload_file")
        return try Array(Fixtures.data("webhooks/\(name)"))
    }
}

@Suite("GitHub webhook HMAC vectors")
struct WebhookVectorTests {
    @Test("the vector file holds the sections and counts these tests were written for")
    func vectorFileShape() throws {
        let file = try HMACVectorFile.load()
        #expect(file.documented.count == 1)
        #expect(file.captured.count == 1)
        #expect(file.computed.count == 5)
        #expect(file.negative.count == 6)
    }

    @Test("every payload file has the size and SHA-256 the vectors record, in memory and streamed")
    func payloadFilesAreIntact() throws {
        let file = try HMACVectorFile.load()
        let withFiles = (file.captured + file.computed).filter { $0.payloadFile != nil }
        #expect(withFiles.count == 6)
        for vector in withFiles {
            let body = try HMACVectorFile.body(of: vector)
            #expect(body.count == vector.payloadBytes, "\(vector.id)")
            #expect(Hex.encode(SHA256.hash(body)) == vector.payloadSha256, "\(vector.id)")
            let path = Fixtures.directory().appendingPathComponent("webhooks/\(vector.payloadFile!)").path
            #expect(try Hex.encode(SHA256.hash(fileAt: path)) == vector.payloadSha256, "\(vector.id)")
        }
    }

    @Test("GitHub's documented vector signs and verifies")
    func documentedVector() throws {
        let vector = try #require(try HMACVectorFile.load().documented.first)
        #expect(vector.payload == "Hello, World!")
        let body = try HMACVectorFile.body(of: vector)
        #expect(body.count == 13)
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: vector.secret, message: body)) == vector.signature)
        #expect(WebhookSignature.sign(body: body, secret: vector.secret) == vector.xHubSignature256)
        #expect(WebhookSignature.verify(body: body, secret: vector.secret, header: vector.xHubSignature256))
        // The same inputs as Data and String give the same code.
        let asData = HMACSHA256.authenticationCode(key: Data(vector.secret.utf8), message: Data(body))
        let asString = HMACSHA256.authenticationCode(key: vector.secret, message: "Hello, World!")
        #expect(Hex.encode(asData) == vector.signature)
        #expect(Hex.encode(asString) == vector.signature)
    }

    @Test("the delivery GitHub itself signed in 2016 verifies with SHA-1 and our SHA-256 header")
    func capturedVector() throws {
        let vector = try #require(try HMACVectorFile.load().captured.first)
        let body = try HMACVectorFile.body(of: vector)
        #expect(body.last != UInt8(ascii: "\n"), "the raw capture has no trailing newline")
        let sha1 = "sha1=" + Hex.encode(HMACSHA1.authenticationCode(key: vector.secret, message: body))
        #expect(sha1 == vector.xHubSignature)
        #expect(WebhookSignature.sign(body: body, secret: vector.secret) == vector.xHubSignature256)
        #expect(WebhookSignature.verify(body: body, secret: vector.secret, header: vector.xHubSignature256))
        // The legacy SHA-1 value is never accepted as an X-Hub-Signature-256.
        #expect(!WebhookSignature.verify(body: body, secret: vector.secret, header: vector.xHubSignature))
    }

    @Test("every computed vector matches: SHA-256 header, bare Gitea hex, legacy SHA-1, UTF-8 secret bytes")
    func computedVectors() throws {
        let vectors = try HMACVectorFile.load().computed
        var checkedSHA256 = 0, checkedSHA1 = 0
        for vector in vectors {
            let body = try HMACVectorFile.body(of: vector)
            if let secretHex = vector.secretUtf8Hex {
                #expect(Hex.encode(Array(vector.secret.utf8)) == secretHex, "\(vector.id)")
                #expect(Hex.decode(secretHex) == Array(vector.secret.utf8), "\(vector.id)")
            }
            if let header = vector.xHubSignature256 {
                checkedSHA256 += 1
                #expect(WebhookSignature.sign(body: body, secret: vector.secret) == header, "\(vector.id)")
                #expect(WebhookSignature.verify(body: body, secret: vector.secret, header: header), "\(vector.id)")
                let bare = Hex.encode(HMACSHA256.authenticationCode(key: vector.secret, message: body))
                #expect(bare == vector.xGiteaSignature, "\(vector.id)")
                // One flipped bit anywhere in the body must fail.
                var tampered = body
                tampered[tampered.count / 2] ^= 0x01
                #expect(!WebhookSignature.verify(body: tampered, secret: vector.secret, header: header), "\(vector.id)")
            }
            if let legacy = vector.xHubSignature {
                checkedSHA1 += 1
                let sha1 = "sha1=" + Hex.encode(HMACSHA1.authenticationCode(key: vector.secret, message: body))
                #expect(sha1 == legacy, "\(vector.id)")
                #expect(!WebhookSignature.verify(body: body, secret: vector.secret, header: legacy), "\(vector.id)")
            }
        }
        #expect(checkedSHA256 == 4)
        #expect(checkedSHA1 == 1)
    }

    @Test("every negative vector is rejected, and its recorded HMAC of the mutated input is reproduced")
    func negativeVectors() throws {
        let vectors = try HMACVectorFile.load().negative
        var handled: Set<String> = []
        for vector in vectors {
            let body = try HMACVectorFile.body(of: vector)
            switch vector.id {
            case "trailing-newline-stripped":
                #expect(body.last == UInt8(ascii: "\n"))
                let mutated = Array(body.dropLast())
                #expect(WebhookSignature.verify(body: body, secret: vector.secret, header: vector.presentedHeader))
                #expect(!WebhookSignature.verify(body: mutated, secret: vector.secret, header: vector.presentedHeader))
                #expect(WebhookSignature.sign(body: mutated, secret: vector.secret) == vector.hmacOfMutatedBody)
            case "reserialized-json":
                // json.dumps(separators=(",", ":")) of this ASCII, pretty-printed file equals the
                // file with all whitespace outside strings removed; the recorded HMAC proves it.
                let mutated = Self.compactJSON(body)
                #expect(mutated.count < body.count)
                #expect(!WebhookSignature.verify(body: mutated, secret: vector.secret, header: vector.presentedHeader))
                #expect(WebhookSignature.sign(body: mutated, secret: vector.secret) == vector.hmacOfMutatedBody)
            case "wrong-secret":
                #expect(!WebhookSignature.verify(body: body, secret: vector.secret, header: vector.presentedHeader))
                #expect(WebhookSignature.sign(body: body, secret: vector.secret) == vector.hmacWithThisSecret)
            case "sha1-only":
                let headers = try #require(vector.presentedHeaders)
                #expect(headers["X-Hub-Signature-256"] == nil)
                // No X-Hub-Signature-256 header: rejected, although the SHA-1 one is genuine.
                #expect(!WebhookSignature.verify(body: body, secret: vector.secret, header: headers["X-Hub-Signature-256"]))
                let legacy = try #require(headers["X-Hub-Signature"])
                #expect("sha1=" + Hex.encode(HMACSHA1.authenticationCode(key: vector.secret, message: body)) == legacy)
                #expect(!WebhookSignature.verify(body: body, secret: vector.secret, header: legacy))
            case "prefix-missing":
                let header = try #require(vector.presentedHeader)
                #expect(!WebhookSignature.verify(body: body, secret: vector.secret, header: header))
                // It is the right digest, just without the prefix (the Gitea form).
                #expect(Hex.encode(HMACSHA256.authenticationCode(key: vector.secret, message: body)) == header)
                #expect(WebhookSignature.verify(body: body, secret: vector.secret, header: "sha256=" + header))
            case "uppercase-hex":
                // Our decision: hex digits are case-insensitive (the same bytes); the prefix is not.
                let header = try #require(vector.presentedHeader)
                #expect(WebhookSignature.verify(body: body, secret: vector.secret, header: header))
                #expect(!WebhookSignature.verify(body: body, secret: vector.secret, header: "SHA256=" + header.dropFirst(7)))
            default:
                Issue.record("negative vector \(vector.id) has no test: add one")
            }
            handled.insert(vector.id)
        }
        #expect(handled.count == 6)
    }

    @Test("malformed headers are rejected: nil, empty, wrong prefix, bad hex, wrong length, whitespace")
    func malformedHeaders() {
        let body = "Hello, World!", secret = "It's a Secret to Everybody"
        let good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(WebhookSignature.verify(body: body, secret: secret, header: good))
        let bad: [String?] = [
            nil, "", "sha256=", "sha256", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "sha512=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",   // odd length
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e",    // 31 bytes
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1700", // 33 bytes
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043ezz",  // not hex
            " " + good, good + " ", good + "\n",
            "sha256=857107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",  // first nibble
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e16",  // last bit
        ]
        for header in bad {
            #expect(!WebhookSignature.verify(body: body, secret: secret, header: header), "\(String(describing: header))")
        }
    }

    @Test("an empty body and an empty secret still sign and verify like the openssl CLI")
    func emptyInputs() throws {
        let openssl = try ExternalTool.path("openssl", apt: "openssl")
        let directory = try TemporaryDirectory()
        let empty = try directory.write("empty", "")
        let cli = try Command.check(openssl, ["dgst", "-sha256", "-hmac", "", "-r", empty]).stdout
        let expected = String(cli.prefix(64))
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: "", message: "")) == expected)
        let signature = WebhookSignature.sign(body: [UInt8](), secret: "")
        #expect(signature == "sha256=" + expected)
        #expect(WebhookSignature.verify(body: [UInt8](), secret: "", header: signature))
        #expect(!WebhookSignature.verify(body: [UInt8](), secret: "x", header: signature))
    }

    /// Removes JSON whitespace outside strings (what a compact re-serialisation does to this file).
    static func compactJSON(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var inString = false, escaped = false
        for byte in bytes {
            if inString {
                output.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if ![UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains(byte) {
                if byte == UInt8(ascii: "\"") { inString = true }
                output.append(byte)
            }
        }
        return output
    }
}
