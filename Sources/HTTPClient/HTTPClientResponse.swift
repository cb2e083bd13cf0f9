public import Foundation
public import HTTPTypes

/// The final response to an `HTTPClientRequest` (interim `100 Continue` and, when redirects are
/// followed, earlier responses are dropped). A value type: safe to share between threads.
public struct HTTPClientResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// The response header fields in the order received.
    public var headers: HTTPHeaders
    /// The complete body (empty for none).
    public var body: Data

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body decoded as UTF-8, or nil when it is not valid UTF-8.
    public var bodyText: String? {
        String(data: body, encoding: .utf8)
    }
}
