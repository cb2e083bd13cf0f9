import Crypto
import Foundation
import TestSupport
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    @Test("known answers: empty, abc, and one million 'a' (FIPS 180-2 examples)")
    func knownAnswers() {
        #expect(Hex.encode(SHA256.hash("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.hash("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Hex.encode(SHA256.hash(million)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("the incremental hasher equals the one-shot hash, whatever the piece sizes, and resets after finalize")
    func incrementalEqualsOneShot() {
        let data = Self.pattern(count: 100_003)
        let hasher = SHA256Hasher()
        var index = 0, step = 1
        while index < data.count {
            let end = min(index + step, data.count)
            hasher.update(data[index..<end])
            index = end
            step = step * 3 + 1
        }
        #expect(hasher.finalize() == SHA256.hash(data))
        // After finalize the hasher is empty again.
        #expect(hasher.finalize() == SHA256.hash([UInt8]()))
        hasher.update("a")
        hasher.update(Data("bc".utf8))
        #expect(Hex.encode(hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("hashing a multi-chunk file streams to the in-memory digest and matches sha256sum")
    func fileHashMatchesMemoryAndSha256sum() throws {
        let sha256sum = try ExternalTool.path("sha256sum", apt: "coreutils")
        let directory = try TemporaryDirectory()
        let data = Self.pattern(count: 1_048_576 + 17)
        #expect(data.count > 16 * SHA256.fileChunkSize)
        let path = directory.child("big.bin")
        try Data(data).write(to: URL(fileURLWithPath: path))
        let fromFile = try SHA256.hash(fileAt: path)
        #expect(fromFile == SHA256.hash(data))
        let cli = try Command.check(sha256sum, [path]).stdout
        #expect(Hex.encode(fromFile) == String(cli.prefix(64)))
    }

    @Test("files of exactly 0, 1 chunk and 1 chunk + 1 byte hash like in memory")
    func chunkBoundaries() throws {
        let directory = try TemporaryDirectory()
        for size in [0, SHA256.fileChunkSize, SHA256.fileChunkSize + 1] {
            let data = Self.pattern(count: size)
            let path = directory.child("file-\(size)")
            try Data(data).write(to: URL(fileURLWithPath: path))
            #expect(try SHA256.hash(fileAt: path) == SHA256.hash(data), "size \(size)")
        }
    }

    @Test("a missing file throws a CryptoError from open with ENOENT")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(throws: CryptoError.self) { try SHA256.hash(fileAt: directory.child("absent")) }
        #expect(error.function == "open")
        #expect(error.code == UInt(ENOENT))
        #expect(error.description.contains("No such file"))
    }

    @Test("a directory throws a CryptoError from read")
    func directoryIsNotAFile() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(throws: CryptoError.self) { try SHA256.hash(fileAt: directory.path) }
        #expect(error.function == "read")
        #expect(error.code == UInt(EISDIR))
    }

    /// Deterministic bytes that are not periodic at the chunk size.
    static func pattern(count: Int) -> [UInt8] {
        var state: UInt32 = 2_463_534_242
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }
}
