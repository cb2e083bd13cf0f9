import Crypto
public import Foundation
public import HTTPTypes

/// Who may read the API and the dashboard: whoever holds the operator's bearer token
/// (`--api-token-file`). A browser signs in once — with the token in a form, or with a short-lived
/// single-use login link (`slipway dashboard link`) — and then carries a session cookie derived
/// from the token (HttpOnly, SameSite=Strict), never the token itself. Changing the token ends
/// every session.
///
/// Thread-safe: the used-ticket set is behind a lock and bounded.
public final class APIAccess: @unchecked Sendable {
    private let token: [UInt8]
    /// Sessions last this long.
    let sessionLifetime: TimeInterval
    /// Login links last this long and work once.
    static let ticketLifetime: TimeInterval = 300
    static let cookieName = "slipway_session"
    /// The shortest token accepted, in bytes.
    public static let minimumTokenLength = 16
    private let lock = NSLock()
    private var usedTickets: [String: Date] = [:]
    private static let usedTicketLimit = 4096
    let now: @Sendable () -> Date

    public init(token: String, sessionLifetime: TimeInterval = 12 * 3600, now: @escaping @Sendable () -> Date = { Date() }) {
        self.token = Array(token.utf8)
        self.sessionLifetime = sessionLifetime
        self.now = now
    }

    /// Reads the token file; refuses a missing, empty or short token.
    public static func load(file: String) throws -> APIAccess {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError("cannot read the API token file \(file)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.utf8.count >= minimumTokenLength else {
            throw ConfigError("the API token in \(file) is \(token.utf8.count) bytes; it must be at least \(minimumTokenLength) (make one with `openssl rand -hex 32`)")
        }
        return APIAccess(token: token)
    }

    /// The token, for the redactor.
    public var secret: String { String(decoding: token, as: UTF8.self) }

    /// Whether the request carries the token (`Authorization: Bearer`) or a live session cookie.
    public func allows(_ request: HTTPRequest) -> Bool {
        if let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") {
            let given = Array(header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces).utf8)
            return constantTimeEquals(given, token)
        }
        if let session = Self.cookie(Self.cookieName, in: request) {
            return isValidSession(session)
        }
        return false
    }

    /// Whether `given` is the token (the login form).
    func isToken(_ given: String) -> Bool {
        constantTimeEquals(Array(given.trimmingCharacters(in: .whitespacesAndNewlines).utf8), token)
    }

    // MARK: Sessions

    /// `<issued>.<hmac>`: valid for `sessionLifetime`, only while the token is the same.
    func newSession() -> String {
        let issued = String(Int(now().timeIntervalSince1970))
        return issued + "." + mac("session:" + issued)
    }

    func isValidSession(_ value: String) -> Bool {
        let parts = value.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let issued = Double(parts[0]) else { return false }
        let age = now().timeIntervalSince1970 - issued
        guard age >= -60, age <= sessionLifetime else { return false }
        return constantTimeEquals(Array(parts[1].utf8), Array(mac("session:" + parts[0]).utf8))
    }

    /// The `Set-Cookie` value for a new session.
    func sessionCookie() -> String {
        "\(Self.cookieName)=\(newSession()); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(sessionLifetime))"
    }

    // MARK: Login links

    /// A single-use login ticket valid for five minutes: `<expires>.<nonce>.<hmac>`.
    public func newTicket() -> String {
        let expires = String(Int(now().timeIntervalSince1970 + Self.ticketLifetime))
        let nonce = Hex.encode(SHA256.hash(UUID().uuidString + expires).prefix(8))
        return "\(expires).\(nonce).\(mac("ticket:\(expires):\(nonce)"))"
    }

    /// Accepts a ticket once, before it expires.
    func redeem(_ ticket: String) -> Bool {
        let parts = ticket.split(separator: ".").map(String.init)
        guard parts.count == 3, let expires = Double(parts[0]), now().timeIntervalSince1970 <= expires,
              constantTimeEquals(Array(parts[2].utf8), Array(mac("ticket:\(parts[0]):\(parts[1])").utf8))
        else { return false }
        lock.lock()
        defer { lock.unlock() }
        let current = now()
        if usedTickets.count >= Self.usedTicketLimit {
            usedTickets = usedTickets.filter { $0.value > current }
            if usedTickets.count >= Self.usedTicketLimit { return false }
        }
        guard usedTickets[parts[1]] == nil else { return false }
        usedTickets[parts[1]] = Date(timeIntervalSince1970: expires)
        return true
    }

    private func mac(_ message: String) -> String {
        Hex.encode(HMACSHA256.authenticationCode(key: token, message: Array(message.utf8)))
    }

    static func cookie(_ name: String, in request: HTTPRequest) -> String? {
        guard let header = request.headers["Cookie"] else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
        }
        return nil
    }
}
