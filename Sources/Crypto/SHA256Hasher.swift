internal import COpenSSL

/// An incremental SHA-256: feed bytes with `update`, read the digest with `finalize`.
///
/// Owns one `EVP_MD_CTX` (created by `EVP_MD_CTX_new`, freed once by `EVP_MD_CTX_free` in
/// `deinit`). Not safe to use from several threads at once: one hasher per task.
public final class SHA256Hasher {
    private let context: OpaquePointer

    /// A hasher in the empty state. Only allocation can fail here, which is fatal.
    public init() {
        guard let context = EVP_MD_CTX_new() else {
            preconditionFailure("\(CryptoError.openSSL("EVP_MD_CTX_new"))")
        }
        self.context = context
        reset()
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds `data` to the hashed stream.
    public func update(_ data: some ByteInput) {
        data.withByteBuffer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return }
            update(base, buffer.count)
        }
    }

    /// Adds `count` raw bytes at `base` (used by the file hasher's chunk loop).
    func update(_ base: UnsafeRawPointer, _ count: Int) {
        guard EVP_DigestUpdate(context, base, count) == 1 else {
            preconditionFailure("\(CryptoError.openSSL("EVP_DigestUpdate"))")
        }
    }

    /// The 32-byte digest of everything passed to `update` since creation or the last `finalize`;
    /// the hasher is then reset to the empty state and can be reused.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        guard ok == 1 else {
            preconditionFailure("\(CryptoError.openSSL("EVP_DigestFinal_ex"))")
        }
        reset()
        return Array(digest.prefix(Int(length)))
    }

    private func reset() {
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            preconditionFailure("\(CryptoError.openSSL("EVP_DigestInit_ex"))")
        }
    }
}
