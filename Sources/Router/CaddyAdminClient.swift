import Foundation
import HTTPClient
import HTTPTypes

/// Requests to Caddy's admin API through libcurl, with timeouts and errors that name the
/// endpoint and the request. Strings in `redactions` (credentials, hashes) are cut out of
/// anything Caddy answers before it goes into an error.
struct CaddyAdminClient: Sendable {
    let endpoint: CaddyAdminEndpoint
    let client: HTTPClient
    let timeout: Double
    let redactions: [String]

    /// A response Caddy gave.
    struct Answer {
        var status: Int
        var body: Data
        var etag: String?
        /// Caddy's `{"error": "..."}` message (redacted), else the body's text.
        var message: String
    }

    func send(_ method: String, _ path: String, json: Data? = nil, ifMatch: String? = nil) throws(CaddyRouterError) -> Answer {
        var headers = HTTPHeaders()
        if json != nil { headers["Content-Type"] = "application/json" }
        if let ifMatch { headers["If-Match"] = ifMatch }
        // Over a Unix socket Caddy accepts only an empty Host (its DNS-rebinding check).
        if endpoint.unixSocketPath != nil { headers["Host"] = "" }
        let request = HTTPClientRequest(
            method: method, url: endpoint.baseURL + path, headers: headers, body: json,
            connectTimeout: min(5, timeout), timeout: timeout, maxResponseBytes: 64 * 1024 * 1024,
            unixSocketPath: endpoint.unixSocketPath
        )
        let response: HTTPClientResponse
        do {
            response = try client.send(request)
        } catch {
            let why = error.isConnectionFailure ? "cannot connect (is Caddy running with its admin API there?)"
                : error.isTimeout ? "no answer within \(timeout) s" : error.message
            throw CaddyRouterError("Caddy's admin API at \(endpoint): \(method) \(path): \(redact(why))")
        }
        var message = response.bodyText ?? ""
        if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any], let error = object["error"] as? String {
            message = error
        }
        return Answer(status: response.status, body: response.body, etag: response.headers["Etag"],
                      message: redact(message.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Sends and requires a 2xx answer.
    @discardableResult
    func expectSuccess(_ method: String, _ path: String, json: Data? = nil, ifMatch: String? = nil) throws(CaddyRouterError) -> Answer {
        let answer = try send(method, path, json: json, ifMatch: ifMatch)
        guard (200..<300).contains(answer.status) else { throw failure(method, path, answer) }
        return answer
    }

    func failure(_ method: String, _ path: String, _ answer: Answer) -> CaddyRouterError {
        let text = answer.message.isEmpty ? "(no message)" : String(answer.message.prefix(2000))
        return CaddyRouterError("Caddy's admin API at \(endpoint): \(method) \(path) answered \(answer.status): \(text)")
    }

    /// Whether Caddy said it has no object with the id the path names.
    static func isUnknownID(_ answer: Answer) -> Bool {
        answer.status == 404 && answer.message.contains("unknown object ID")
    }

    private func redact(_ text: String) -> String {
        redactions.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }
}
