/// bcrypt password hashes (`$2a$COST$SALTHASH`, the Modular Crypt Format that Go's
/// `x/crypto/bcrypt`, Caddy's `http_basic` authentication, htpasswd and OpenBSD read).
///
/// OpenSSL 3 makes no bcrypt hash (`openssl passwd` knows only MD5- and SHA-crypt), so the
/// algorithm is here in Swift: the expensive Blowfish key schedule over the password (with its
/// terminating NUL, at most 72 bytes) and a random 16-byte salt, `2^cost` rounds, then
/// "OrpheanBeholderScryDoubt" encrypted 64 times. Checked against published vectors and by Caddy.
///
/// The password is a secret: it never appears in an error or a description.
public enum BCrypt {
    /// The default cost (work factor 2^10), as Go's bcrypt uses.
    public static let defaultCost = 10

    /// Hashes `password` with a fresh random salt. `cost` is 4 to 31.
    public static func hash(password: String, cost: Int = defaultCost) throws(CryptoError) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return try hash(password: password, salt: salt, cost: cost)
    }

    /// Hashes `password` with the given 16-byte salt (for tests against known vectors).
    public static func hash(password: String, salt: [UInt8], cost: Int) throws(CryptoError) -> String {
        guard (4...31).contains(cost) else {
            throw CryptoError(function: "BCrypt.hash", code: 0, reason: "the cost must be from 4 to 31 (got \(cost))")
        }
        guard salt.count == 16 else {
            throw CryptoError(function: "BCrypt.hash", code: 0, reason: "the salt must be 16 bytes (got \(salt.count))")
        }
        var key = Array(password.utf8.prefix(72))
        if key.count < 72 { key.append(0) }

        var state = Blowfish()
        state.expand(key: key, salt: salt)
        for _ in 0..<(1 << cost) {
            state.expand(key: key, salt: nil)
            state.expand(key: salt, salt: nil)
        }
        // "OrpheanBeholderScryDoubt" as six big-endian words.
        var text: [UInt32] = [0x4F72_7068, 0x6561_6E42, 0x6568_6F6C, 0x6465_7253, 0x6372_7944, 0x6F75_6274]
        for _ in 0..<64 {
            for block in stride(from: 0, to: 6, by: 2) {
                var left = text[block], right = text[block + 1]
                state.encrypt(&left, &right)
                text[block] = left
                text[block + 1] = right
            }
        }
        let bytes = text.flatMap { word in [UInt8(word >> 24), UInt8((word >> 16) & 0xFF), UInt8((word >> 8) & 0xFF), UInt8(word & 0xFF)] }
        let costText = cost < 10 ? "0\(cost)" : "\(cost)"
        return "$2a$\(costText)$" + encode(salt) + encode(Array(bytes.prefix(23)))
    }

    /// Hashes `password` with the cost and salt of `existing` (a `$2a$`/`$2b$`/`$2y$` hash) and
    /// compares in constant time: whether the password is the one `existing` was made from.
    public static func verify(password: String, against existing: String) -> Bool {
        let parts = existing.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, ["2a", "2b", "2y"].contains(parts[1]), let cost = Int(parts[2]),
              parts[3].count == 53, let salt = decode(String(parts[3].prefix(22)), count: 16),
              let made = try? hash(password: password, salt: salt, cost: cost)
        else { return false }
        let expected = Array(existing.utf8.dropFirst(4)), actual = Array(made.utf8.dropFirst(4))
        return constantTimeEquals(expected, actual)
    }

    /// The 16-byte salt of an existing hash (`$2a$COST$` then 22 characters of salt), or nil.
    public static func salt(of existing: String) -> [UInt8]? {
        let parts = existing.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[3].count >= 22 else { return nil }
        return decode(String(parts[3].prefix(22)), count: 16)
    }

    private static let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// bcrypt's own base64: the alphabet above, no padding.
    static func encode(_ data: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index < data.count {
            var c1 = data[index]
            index += 1
            out.append(alphabet[Int(c1 >> 2)])
            c1 = (c1 & 0x03) << 4
            guard index < data.count else { out.append(alphabet[Int(c1)]); break }
            var c2 = data[index]
            index += 1
            c1 |= c2 >> 4
            out.append(alphabet[Int(c1)])
            c1 = (c2 & 0x0F) << 2
            guard index < data.count else { out.append(alphabet[Int(c1)]); break }
            c2 = data[index]
            index += 1
            c1 |= c2 >> 6
            out.append(alphabet[Int(c1)])
            out.append(alphabet[Int(c2 & 0x3F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `count` bytes of bcrypt base64, or nil for a character outside the alphabet.
    static func decode(_ text: String, count: Int) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt8(value))
        }
        var out: [UInt8] = []
        var index = 0
        while out.count < count, index + 1 < values.count {
            out.append(values[index] << 2 | values[index + 1] >> 4)
            if out.count == count || index + 2 >= values.count { break }
            out.append((values[index + 1] & 0x0F) << 4 | values[index + 2] >> 2)
            if out.count == count || index + 3 >= values.count { break }
            out.append((values[index + 2] & 0x03) << 6 | values[index + 3])
            index += 4
        }
        return out.count == count ? out : nil
    }
}
