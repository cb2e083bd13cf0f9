internal import COpenSSL

/// An RSA private key for RS256 signatures (RSASSA-PKCS1-v1_5 over SHA-256, RFC 8017), e.g. the
/// GitHub App key that signs JWTs.
///
/// Owns one `EVP_PKEY` (read by `PEM_read_bio_PrivateKey`, freed once by `EVP_PKEY_free` in
/// `deinit`). Safe to use from several threads at once: the key is never modified after `init`, and
/// each signature uses its own `EVP_MD_CTX` (OpenSSL 3 allows concurrent use of a const `EVP_PKEY`).
public final class RSAPrivateKey: @unchecked Sendable {
    private let key: OpaquePointer

    /// Reads a PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or unencrypted PKCS#8
    /// (`BEGIN PRIVATE KEY`). Throws `CryptoError` for bad PEM, an encrypted key or a non-RSA key;
    /// the error never contains the PEM text.
    public init(pem: String) throws {
        let key = try PEMKeyReader.read(pem, function: "PEM_read_bio_PrivateKey") { bio in
            PEM_read_bio_PrivateKey(bio, nil, slipway_openssl_no_passphrase, nil)
        }
        do {
            try PEMKeyReader.requireRSA(key, function: "PEM_read_bio_PrivateKey")
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// The modulus size in bits (e.g. 2048).
    public var bitCount: Int { Int(EVP_PKEY_get_bits(key)) }

    /// The RS256 signature of `message`: PKCS#1 v1.5 padding over its SHA-256 digest, as long as
    /// the modulus (256 bytes for a 2048-bit key).
    public func signSHA256(_ message: some ByteInput) throws -> [UInt8] {
        ERR_clear_error()
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.openSSL("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestSignInit(context, &keyContext, EVP_sha256(), nil, key) == 1 else {
            throw CryptoError.openSSL("EVP_DigestSignInit")
        }
        guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) > 0 else {
            throw CryptoError.openSSL("EVP_PKEY_CTX_set_rsa_padding")
        }
        var length = Int(EVP_PKEY_get_size(key))
        var signature = [UInt8](repeating: 0, count: length)
        let ok = message.withNonNullBytes { base, count in
            signature.withUnsafeMutableBufferPointer { output in
                EVP_DigestSign(context, output.baseAddress, &length, base.assumingMemoryBound(to: UInt8.self), count)
            }
        }
        guard ok == 1 else { throw CryptoError.openSSL("EVP_DigestSign") }
        return Array(signature.prefix(length))
    }
}
