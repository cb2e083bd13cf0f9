public import Foundation

/// A complete HTTP request as received by a server: the body is fully read.
/// A value type: safe to share between threads.
public struct HTTPRequest: Sendable {
    /// The method as sent, e.g. `GET` (HTTP methods are case-sensitive).
    public var method: String
    /// The path without the query string, percent-decoded, e.g. `/repos/a b/x`.
    public var path: String
    /// The raw query string after `?` (not decoded), or nil when the target had no `?`.
    public var query: String?
    /// The request header fields in the order received.
    public var headers: HTTPHeaders
    /// The full request body (empty when none was sent).
    public var body: Data
    /// The client's IP address as text (`127.0.0.1`, `::1`), when known.
    public var remoteAddress: String?
    /// Values captured by `:name` segments (and `*` for a trailing wildcard) of the route that
    /// matched; filled in by `Router`, empty otherwise.
    public var pathParameters: [String: String]

    public init(
        method: String,
        path: String,
        query: String? = nil,
        headers: HTTPHeaders = HTTPHeaders(),
        body: Data = Data(),
        remoteAddress: String? = nil,
        pathParameters: [String: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.pathParameters = pathParameters
    }

    /// The query string split at `&` into name/value pairs, in order, percent-decoded with `+`
    /// read as a space (HTML form encoding). A pair without `=` has a nil value.
    public var queryItems: [URLQueryItem] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return URLQueryItem(
                    name: Self.formDecoded(pair[..<equals]),
                    value: Self.formDecoded(pair[pair.index(after: equals)...])
                )
            }
            return URLQueryItem(name: Self.formDecoded(pair), value: nil)
        }
    }

    /// The first value of the query parameter `name`, or nil when absent or without a value.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value ?? nil
    }

    /// The body decoded as UTF-8, or nil when it is not valid UTF-8.
    public var bodyText: String? {
        String(data: body, encoding: .utf8)
    }

    private static func formDecoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
