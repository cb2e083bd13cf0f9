public import Crypto

/// Basic-auth credentials that protect previews: a user name and the bcrypt hash Caddy's
/// `http_basic` handler checks passwords against. The plain password is hashed once and never
/// kept; neither the name nor the hash appears in a description, a log or an error.
public struct PreviewCredentials: Sendable, Equatable, CustomStringConvertible {
    public let username: String
    /// `$2a$COST$...`: Caddy 2.6 takes a Modular Crypt Format hash as is.
    public let passwordHash: String

    public init(username: String, passwordHash: String) {
        self.username = username
        self.passwordHash = passwordHash
    }

    /// Parses a grant's value `user:password` (a trailing newline is not part of it) and hashes
    /// the password with bcrypt. Errors say what is wrong, never the value.
    public static func fromGrant(_ value: String, grant: String, cost: Int = BCrypt.defaultCost) throws(CaddyRouterError) -> PreviewCredentials {
        var text = value
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard let colon = text.firstIndex(of: ":") else {
            throw CaddyRouterError("the preview-auth grant \(grant) must hold user:password (no ':' found)")
        }
        let username = String(text[..<colon]), password = String(text[text.index(after: colon)...])
        guard !username.isEmpty, !password.isEmpty else {
            throw CaddyRouterError("the preview-auth grant \(grant) must hold user:password with neither empty")
        }
        guard !text.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw CaddyRouterError("the preview-auth grant \(grant) must be one line user:password")
        }
        do {
            return PreviewCredentials(username: username, passwordHash: try BCrypt.hash(password: password, cost: cost))
        } catch {
            throw CaddyRouterError("the preview-auth grant \(grant): bcrypt failed: \(error.reason)")
        }
    }

    public var description: String { "PreviewCredentials(redacted)" }
}
