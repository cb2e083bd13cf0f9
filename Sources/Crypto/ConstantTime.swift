internal import COpenSSL

/// Whether `a` and `b` hold the same bytes, compared with OpenSSL's `CRYPTO_memcmp`, whose running
/// time depends only on the length, never on where the first difference is. Different lengths
/// give `false` (lengths are not secret; the comparison still reads the whole of `a` so the time
/// does not depend on the content). Safe from several threads.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    let count = a.count
    if count == 0 { return b.isEmpty }
    return a.withUnsafeBytes { left in
        if b.count != count {
            _ = CRYPTO_memcmp(left.baseAddress, left.baseAddress, count)
            return false
        }
        return b.withUnsafeBytes { right in
            CRYPTO_memcmp(left.baseAddress, right.baseAddress, count) == 0
        }
    }
}
