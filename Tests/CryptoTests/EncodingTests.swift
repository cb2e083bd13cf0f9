import Crypto
import Foundation
import Testing

@Suite("constant-time comparison, hex and base64url")
struct EncodingTests {
    @Test("constantTimeEquals is true only for equal bytes of equal length")
    func constantTimeComparison() {
        #expect(constantTimeEquals([], []))
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([0, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(!constantTimeEquals([1, 2], [1, 2, 3]))
        #expect(!constantTimeEquals([], [0]))
        #expect(!constantTimeEquals([0], []))
        let big = [UInt8](repeating: 7, count: 4096)
        var other = big
        #expect(constantTimeEquals(big, other))
        other[4095] = 8
        #expect(!constantTimeEquals(big, other))
    }

    @Test("hex encodes lowercase and round-trips every byte value")
    func hexRoundTrip() {
        let all = (0...255).map { UInt8($0) }
        let text = Hex.encode(all)
        #expect(text.count == 512)
        #expect(text.hasPrefix("000102"))
        #expect(text.hasSuffix("fdfeff"))
        #expect(text == text.lowercased())
        #expect(Hex.decode(text) == all)
        #expect(Hex.decode(text.uppercased()) == all)
        #expect(Hex.encode([]) == "")
        #expect(Hex.decode("") == [])
        #expect(Hex.encode([0xde, 0xad, 0xbe, 0xef]) == "deadbeef")
    }

    @Test("hex rejects odd lengths, non-hex characters, whitespace and a 0x prefix")
    func hexBadInput() {
        for bad in ["a", "abc", "zz", "0g", " 00", "00 ", "0x00", "é0", "-1", "0\n"] {
            #expect(Hex.decode(bad) == nil, "\(bad)")
        }
    }

    @Test("base64url matches RFC 4648 test vectors without padding and round-trips")
    func base64URLVectors() {
        // RFC 4648 section 10, padding removed.
        let vectors: [(String, String)] = [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
        // The URL-safe alphabet: bytes that standard base64 writes as "+/" come out as "-_".
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
        // A JWT header (RFC 7515 appendix A.2's {"alg":"RS256"}).
        #expect(Base64URL.encode(Array(#"{"alg":"RS256"}"#.utf8)) == "eyJhbGciOiJSUzI1NiJ9")
        let all = (0...255).map { UInt8($0) }
        for length in 0...all.count {
            let slice = Array(all.prefix(length).reversed())
            #expect(Base64URL.decode(Base64URL.encode(slice)) == slice)
        }
    }

    @Test("base64url agrees with Foundation's base64 after swapping the alphabet")
    func base64URLAgreesWithFoundation() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let standard = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(Base64URL.encode(bytes) == standard)
    }

    @Test("base64url tolerates correct padding but rejects bad input")
    func base64URLBadInput() {
        #expect(Base64URL.decode("Zg==") == Array("f".utf8))
        #expect(Base64URL.decode("Zm8=") == Array("fo".utf8))
        for bad in ["Z", "Zm9vY", "Zg=", "Zg===", "Z===", "Zm9v====", "Zm+v", "Zm/v", "Zm9 v", "Zm9v\n", "Zh", "Zm9=", "=Zg=", "Zg=a"] {
            #expect(Base64URL.decode(bad) == nil, "\(bad)")
        }
    }
}
