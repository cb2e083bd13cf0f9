import Foundation
import HTTPClient
import HTTPTypes

/// A client of the Docker Engine API, version 1.41 (Docker 20.10, Debian 12's `docker.io`; newer
/// daemons and Podman serve it too), over a Unix socket or TCP (with TLS client certificates)
/// through libcurl. No `docker` CLI.
///
/// Every call blocks its thread for the whole exchange (a build for minutes): call it from a
/// dedicated thread, not from the cooperative pool. One client is safe to use from several
/// threads at once. Failures are `DockerError`s carrying the daemon's own message; container
/// environment values are scrubbed from them.
public final class DockerClient: Sendable {
    /// The API version every path is pinned to (`/v1.41/...`).
    public static let apiVersion = "1.41"
    /// The same as a number, for comparisons.
    static let apiVersionNumber = (major: 1, minor: 41)

    public let host: DockerHost
    /// Seconds allowed for an ordinary call (not builds, imports and waits, which take their own).
    public let timeout: Double
    let http: HTTPClient

    public init(host: DockerHost, timeout: Double = 60) {
        self.host = host
        self.timeout = timeout
        self.http = HTTPClient(followRedirects: false, userAgent: "slipway")
    }

    /// A request to `path` (under `/v1.41` unless `versioned` is false) with `query` pairs
    /// percent-encoded in order.
    func request(
        _ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        contentType: String? = nil, timeout: Double? = nil, versioned: Bool = true,
        maxResponseBytes: Int = HTTPClientRequest.defaultMaxResponseBytes
    ) -> HTTPClientRequest {
        var url = host.baseURL + (versioned ? "/v\(Self.apiVersion)" : "") + path
        if !query.isEmpty {
            url += "?" + query.map { Self.percentEncoded($0.0) + "=" + Self.percentEncoded($0.1) }.joined(separator: "&")
        }
        var headers = HTTPHeaders()
        if let contentType { headers.add("Content-Type", contentType) }
        let tls = host.tls.map {
            HTTPClientTLSFiles(caCertificatePath: $0.caCertificatePath, certificatePath: $0.certificatePath, privateKeyPath: $0.privateKeyPath)
        }
        return HTTPClientRequest(
            method: method, url: url, headers: headers, body: body, connectTimeout: 10,
            timeout: timeout ?? self.timeout, maxResponseBytes: maxResponseBytes,
            unixSocketPath: host.socketPath, tls: tls
        )
    }

    /// Sends `request`; returns the response when its status is 2xx or in `accepting`, else
    /// throws a `.daemon` error with the daemon's message.
    func send(
        _ request: HTTPClientRequest, _ operation: String, accepting: Set<Int> = [], scrubbing secrets: [String] = []
    ) throws(DockerError) -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try http.send(request)
        } catch {
            throw DockerError(.connection, operation, message: Self.transportMessage(error), scrubbing: secrets)
        }
        guard (200..<300).contains(response.status) || accepting.contains(response.status) else {
            throw DockerError(.daemon, operation, status: response.status, message: Self.daemonMessage(response.body), scrubbing: secrets)
        }
        return response
    }

    /// Sends `request` and decodes a 2xx JSON body as `T`.
    func sendDecoding<T: Decodable>(
        _ type: T.Type, _ request: HTTPClientRequest, _ operation: String, scrubbing secrets: [String] = []
    ) throws(DockerError) -> T {
        let response = try send(request, operation, scrubbing: secrets)
        return try Self.decode(type, response.body, operation)
    }

    /// Sends `request` whose 2xx answer is a stream of JSON objects, one a line, handing each to
    /// `onObject`; a line that is not a JSON object is a `.invalidResponse` error.
    func streamJSON(
        _ request: HTTPClientRequest, _ operation: String, onObject: ([String: Any]) throws(DockerError) -> Void
    ) throws(DockerError) {
        let response: HTTPClientResponse
        do {
            response = try http.streamLines(request) { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { return }
                guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                    throw DockerError(.invalidResponse, operation, message: "a progress line is not a JSON object: \(trimmed.prefix(200))")
                }
                try onObject(object)
            }
        } catch let error as DockerError {
            throw error
        } catch let error as HTTPClientError {
            throw DockerError(.connection, operation, message: Self.transportMessage(error))
        } catch {
            throw DockerError(.connection, operation, message: String(describing: error))
        }
        guard (200..<300).contains(response.status) else {
            throw DockerError(.daemon, operation, status: response.status, message: Self.daemonMessage(response.body))
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: Data, _ operation: String) throws(DockerError) -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw DockerError(.invalidResponse, operation, message: "cannot read the daemon's answer as \(type): \(error) — body: \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
    }

    /// Serialises a request body built from dictionaries, arrays, strings, numbers and booleans.
    static func json(_ object: [String: Any]) -> Data {
        // Only property-list-like values are put in: serialisation cannot fail.
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    /// `filters={"label":["k=v",...]}` for list calls, or nothing for no labels.
    static func labelFilter(_ labels: [String: String]) -> [(String, String)] {
        guard !labels.isEmpty else { return [] }
        let terms = labels.sorted { $0.key < $1.key }.map { $0.value.isEmpty ? $0.key : "\($0.key)=\($0.value)" }
        return [("filters", String(decoding: json(["label": terms]), as: UTF8.self))]
    }

    /// The daemon's `{"message": "..."}`, else the body's text (bounded), else a placeholder.
    static func daemonMessage(_ body: Data) -> String {
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any], let message = object["message"] as? String {
            return message
        }
        let text = String(decoding: body.prefix(1000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(no message)" : text
    }

    static func transportMessage(_ error: HTTPClientError) -> String {
        error.isConnectionFailure ? "cannot reach the Docker daemon: \(error.message)" : error.message
    }

    /// A path segment or query component with everything but unreserved characters escaped.
    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Refuses an object reference (id or name) that could change the path.
    static func checkReference(_ reference: String, _ operation: String) throws(DockerError) -> String {
        guard !reference.isEmpty, reference.utf8.count <= 512,
              !reference.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || $0 == "?" || $0 == "#" || $0 == "%" })
        else {
            throw DockerError(.invalidArgument, operation, message: "'\(reference.prefix(100))' is not a Docker object id or name")
        }
        // Image names contain '/' (which must stay literal in /images/{name}), ':' and '@'.
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~:@/")
        return reference.addingPercentEncoding(withAllowedCharacters: allowed) ?? reference
    }
}
