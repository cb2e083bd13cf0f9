public import Foundation

/// An HTTP response to send: status, header fields and the full body.
/// A value type: safe to share between threads.
public struct HTTPResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// Header fields to send. `Content-Length` is computed by the server from `body`.
    public var headers: HTTPHeaders
    /// The complete body (empty for none).
    public var body: Data

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a text body encoded as UTF-8.
    public init(status: Int = 200, body: String, contentType: String = "text/plain; charset=utf-8") {
        self.init(status: status, body: Data(body.utf8), contentType: contentType)
    }

    /// A response with a binary body of the given media type.
    public init(status: Int = 200, body: Data, contentType: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: body)
    }

    /// A JSON response with `value` encoded by `JSONEncoder` (sorted keys, ISO 8601 dates).
    /// If encoding fails the result is a plain-text 500 naming the failure.
    public static func json(status: Int = 200, _ value: some Encodable) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return HTTPResponse(status: status, body: try encoder.encode(value), contentType: jsonContentType)
        } catch {
            return HTTPResponse(status: 500, body: "could not encode the JSON response: \(error)\n")
        }
    }

    /// A JSON response with a `JSONSerialization` object (dictionaries, arrays, strings, numbers,
    /// `NSNull`). If it is not a valid JSON object the result is a plain-text 500.
    public static func jsonObject(status: Int = 200, _ object: Any) -> HTTPResponse {
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else {
            return HTTPResponse(status: 500, body: "could not encode the JSON response: not a JSON object\n")
        }
        return HTTPResponse(status: status, body: data, contentType: jsonContentType)
    }

    /// The body decoded as UTF-8, or nil when it is not valid UTF-8.
    public var bodyText: String? {
        String(data: body, encoding: .utf8)
    }

    private static let jsonContentType = "application/json; charset=utf-8"
}
