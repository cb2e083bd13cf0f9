/// GitHub's webhook signature: `X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256(secret,
/// raw body)>`. Pure functions: safe from several threads.
public enum WebhookSignature {
    /// The header prefix GitHub always sends.
    public static let prefix = "sha256="

    /// The `X-Hub-Signature-256` value for `body` signed with `secret`: `sha256=` + lowercase hex.
    public static func sign(body: some ByteInput, secret: some ByteInput) -> String {
        prefix + Hex.encode(HMACSHA256.authenticationCode(key: secret, message: body))
    }

    /// Whether `header` (the `X-Hub-Signature-256` value) is the signature of the raw `body` bytes
    /// under `secret`. Fails closed: `false` for a missing header, a prefix other than exactly
    /// `sha256=` (so a legacy `sha1=` value or bare hex is refused), surrounding whitespace,
    /// characters that are not hex, or a digest that is not 32 bytes. Hex digits may be upper- or
    /// lowercase (GitHub sends lowercase; both denote the same bytes). The digests are compared in
    /// constant time.
    public static func verify(body: some ByteInput, secret: some ByteInput, header: String?) -> Bool {
        verifiedCode(body: body, secret: secret, header: header) != nil
    }

    /// The HMAC-SHA256 of `body` under `secret` when `header` is its signature (as `verify`
    /// decides), otherwise nil: callers that need a digest of the verified body derive it from
    /// this instead of hashing the body a second time.
    public static func verifiedCode(body: some ByteInput, secret: some ByteInput, header: String?) -> [UInt8]? {
        guard let header else { return nil }
        let text = Array(header.utf8)
        guard text.starts(with: prefix.utf8),
              let presented = Hex.decode(utf8: text.dropFirst(prefix.utf8.count)) else { return nil }
        let expected = HMACSHA256.authenticationCode(key: secret, message: body)
        guard presented.count == expected.count, constantTimeEquals(presented, expected) else { return nil }
        return expected
    }
}
