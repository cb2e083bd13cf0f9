internal import COpenSSL

/// An RSA public key that checks RS256 signatures (RSASSA-PKCS1-v1_5 over SHA-256).
///
/// Owns one `EVP_PKEY` (read by `PEM_read_bio_PUBKEY`, freed once by `EVP_PKEY_free` in `deinit`).
/// Safe to use from several threads at once: the key is never modified after `init`.
public final class RSAPublicKey: @unchecked Sendable {
    private let key: OpaquePointer

    /// Reads a PEM `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo) RSA key, as `openssl rsa -pubout`
    /// writes it. Throws `CryptoError` for bad PEM or a non-RSA key.
    public init(pem: String) throws {
        let key = try PEMKeyReader.read(pem, function: "PEM_read_bio_PUBKEY") { bio in
            PEM_read_bio_PUBKEY(bio, nil, slipway_openssl_no_passphrase, nil)
        }
        do {
            try PEMKeyReader.requireRSA(key, function: "PEM_read_bio_PUBKEY")
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// The modulus size in bits.
    public var bitCount: Int { Int(EVP_PKEY_get_bits(key)) }

    /// Whether `signature` is a valid RS256 signature of `message` under this key. Any failure
    /// (wrong signature, wrong length, OpenSSL error) is `false`; the error queue is cleared.
    public func verifySHA256(signature: some ByteInput, message: some ByteInput) -> Bool {
        defer { ERR_clear_error() }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, EVP_sha256(), nil, key) == 1,
              EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) > 0 else { return false }
        let result = signature.withNonNullBytes { signatureBase, signatureCount in
            message.withNonNullBytes { messageBase, messageCount in
                EVP_DigestVerify(context, signatureBase.assumingMemoryBound(to: UInt8.self), signatureCount,
                                 messageBase.assumingMemoryBound(to: UInt8.self), messageCount)
            }
        }
        return result == 1
    }
}
