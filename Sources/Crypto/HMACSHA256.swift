internal import COpenSSL

/// HMAC-SHA256 (RFC 2104) computed by OpenSSL's one-shot `HMAC()`.
/// Stateless: safe to call from several threads at once.
public enum HMACSHA256 {
    /// The 32-byte HMAC-SHA256 of `message` under `key` (a `String` key means its UTF-8 bytes).
    public static func authenticationCode(key: some ByteInput, message: some ByteInput) -> [UInt8] {
        HMACComputation.compute(digest: EVP_sha256(), name: "HMAC(SHA-256)", key: key, message: message)
    }
}

/// HMAC-SHA1. Legacy: only for checking GitHub's old `X-Hub-Signature: sha1=...` header in tests
/// and diagnostics; never accept it as the only proof of a delivery. Safe from several threads.
public enum HMACSHA1 {
    /// The 20-byte HMAC-SHA1 of `message` under `key`.
    public static func authenticationCode(key: some ByteInput, message: some ByteInput) -> [UInt8] {
        HMACComputation.compute(digest: EVP_sha1(), name: "HMAC(SHA-1)", key: key, message: message)
    }
}

enum HMACComputation {
    /// `HMAC()` fails only when OpenSSL cannot allocate memory or the digest is unavailable; neither
    /// is recoverable for a caller, so that is a fatal error carrying OpenSSL's message.
    static func compute(digest: OpaquePointer?, name: String, key: some ByteInput, message: some ByteInput) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withNonNullBytes { keyBase, keyCount in
            message.withNonNullBytes { messageBase, messageCount in
                output.withUnsafeMutableBufferPointer { out in
                    HMAC(digest, keyBase, Int32(keyCount), messageBase.assumingMemoryBound(to: UInt8.self),
                         messageCount, out.baseAddress, &length)
                }
            }
        }
        guard result != nil else {
            preconditionFailure("\(CryptoError.openSSL(name))")
        }
        return Array(output.prefix(Int(length)))
    }
}
