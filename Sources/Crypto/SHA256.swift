#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// One-shot SHA-256 helpers. Stateless: safe to call from several threads at once.
public enum SHA256 {
    /// The size of the chunks `hash(fileAt:)` reads: the file is never loaded whole.
    public static let fileChunkSize = 64 * 1024

    /// The 32-byte SHA-256 digest of `data`.
    public static func hash(_ data: some ByteInput) -> [UInt8] {
        let hasher = SHA256Hasher()
        hasher.update(data)
        return hasher.finalize()
    }

    /// The SHA-256 digest of the file at `path`, streamed in `fileChunkSize` chunks.
    /// Throws a `CryptoError` whose `function` is `open` or `read` and whose `code` is `errno`.
    public static func hash(fileAt path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw fileError("open", path: path) }
        defer { close(descriptor) }
        let hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: fileChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer, fileChunkSize)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw fileError("read", path: path)
            }
            hasher.update(UnsafeRawPointer(buffer), count)
        }
        return hasher.finalize()
    }

    private static func fileError(_ function: String, path: String) -> CryptoError {
        let code = errno
        return CryptoError(function: function, code: UInt(code), reason: "\(path): \(String(cString: strerror(code)))")
    }
}
