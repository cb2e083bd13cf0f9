/// A request that got no HTTP response: libcurl's code and message, and which request it was.
///
/// The URL is shown without any `user:password@`, and request headers (which carry tokens) are
/// never part of the error.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    /// The `CURLcode` value (e.g. 7 couldn't connect, 28 timed out), or -1 when `curl_easy_init`
    /// itself failed.
    public let code: Int
    /// libcurl's own message (its error buffer, else `curl_easy_strerror`).
    public let message: String
    /// The request method.
    public let method: String
    /// The request URL with any userinfo removed.
    public let url: String
    /// Whether a timeout (connect or total) ended the request.
    public let isTimeout: Bool
    /// Whether no connection could be established (name not resolved, refused, unreachable, or
    /// connect timeout): nothing was sent, so retrying is safe.
    public let isConnectionFailure: Bool
    /// Set when the response body was larger than the request's `maxResponseBytes`: that limit.
    /// The transfer was aborted; nothing past the limit was kept.
    public let responseLimit: Int?

    public init(code: Int, message: String, method: String, url: String, isTimeout: Bool, isConnectionFailure: Bool,
                responseLimit: Int? = nil) {
        self.code = code
        self.message = message
        self.method = method
        self.url = Self.withoutUserinfo(url)
        self.isTimeout = isTimeout
        self.isConnectionFailure = isConnectionFailure
        self.responseLimit = responseLimit
    }

    /// Whether the response body went past the request's `maxResponseBytes`.
    public var isResponseTooLarge: Bool { responseLimit != nil }

    public var description: String {
        "\(method) \(url) failed (curl code \(code)): \(message)"
    }

    /// `url` with any `user:password@` in its authority removed.
    static func withoutUserinfo(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let authorityStart = scheme.upperBound
        let rest = url[authorityStart...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        guard let at = url[authorityStart..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<authorityStart]) + String(url[url.index(after: at)...])
    }
}
