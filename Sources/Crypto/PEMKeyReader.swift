internal import COpenSSL

/// Reads one key from PEM text through a read-only memory BIO (`BIO_new_mem_buf`/`BIO_free`).
enum PEMKeyReader {
    /// Calls `read` with a BIO over `pem`'s bytes; the bytes stay alive for the whole call.
    /// `read` passes `slipway_openssl_no_passphrase` so an encrypted key fails instead of
    /// prompting on a terminal.
    static func read(
        _ pem: String, function: String,
        _ read: (OpaquePointer) -> OpaquePointer?
    ) throws -> OpaquePointer {
        ERR_clear_error()
        return try pem.withNonNullBytes { base, count in
            guard let bio = BIO_new_mem_buf(base, Int32(count)) else { throw CryptoError.openSSL("BIO_new_mem_buf") }
            defer { BIO_free(bio) }
            guard let key = read(bio) else { throw CryptoError.openSSL(function) }
            return key
        }
    }

    /// Throws unless `key` is an RSA key (frees nothing: the caller owns `key`).
    static func requireRSA(_ key: OpaquePointer, function: String) throws {
        guard EVP_PKEY_is_a(key, "RSA") == 1 else {
            throw CryptoError(function: function, code: 0, reason: "the PEM holds a key that is not RSA")
        }
    }
}
