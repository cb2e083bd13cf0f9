internal import CCurl
import Foundation
import HTTPTypes

/// A blocking HTTP/1.1 and HTTP/2 client over libcurl.
///
/// Each `send` uses its own easy handle, so one client is safe to use from several threads at
/// once. `send` blocks its thread for the whole exchange: call it from a dedicated thread or
/// queue, not from the cooperative pool of Swift concurrency.
///
/// A request may go over a Unix domain socket (`unixSocketPath`) and may present a client
/// certificate (`tls`). `streamLines` hands a long body over line by line instead of keeping it.
///
/// Redirects are not followed unless asked; `100 Continue` is never requested (`Expect:` is sent
/// empty); only `http` and `https` URLs are allowed. Request headers never appear in errors.
/// A response body is never buffered past the request's `maxResponseBytes` (default 16 MiB).
public final class HTTPClient: Sendable {
    /// Whether 3xx responses with a `Location` are followed (at most 10 times).
    public let followRedirects: Bool
    /// The `User-Agent` sent unless the request sets one; nil sends none.
    public let userAgent: String?

    public init(followRedirects: Bool = false, userAgent: String? = "slipway") {
        self.followRedirects = followRedirects
        self.userAgent = userAgent
    }

    /// Sends `request` and waits for the complete response. Any HTTP status is a response; an
    /// `HTTPClientError` means no complete response arrived (connection failure, timeout, ...).
    public func send(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        try perform(request, ResponseCollector(limit: max(0, request.maxResponseBytes)))
    }

    /// Sends `request` and hands a 2xx response's body to `onLine` line by line as it arrives (at
    /// `\n`; a trailing `\r` is dropped; invalid UTF-8 is replaced), for endless or long bodies
    /// such as build output and JSON-lines progress. The returned response has the status and
    /// headers and an empty body. A response of any other status is not streamed: its body is
    /// collected whole (up to `maxResponseBytes`) into the returned response, as `send` does.
    ///
    /// Memory stays bounded: no line may be longer than the request's `maxResponseBytes` (else an
    /// `HTTPClientError` with `responseLimit`), and lines are not kept. `request.timeout` bounds
    /// the whole exchange, so give a long one for a long stream. When `onLine` throws, the
    /// transfer is aborted and its error is rethrown; otherwise errors are `HTTPClientError`s.
    public func streamLines(_ request: HTTPClientRequest, onLine: (String) throws -> Void) throws -> HTTPClientResponse {
        try withoutActuallyEscaping(onLine) { sink in
            let collector = ResponseCollector(limit: max(0, request.maxResponseBytes), lineSink: sink)
            let response: HTTPClientResponse
            do {
                response = try perform(request, collector)
            } catch {
                if let sinkError = collector.sinkError { throw sinkError }
                throw error
            }
            guard collector.finishLines() else { throw collector.sinkError ?? CancellationError() }
            return response
        }
    }

    private func perform(_ request: HTTPClientRequest, _ collector: ResponseCollector) throws(HTTPClientError) -> HTTPClientResponse {
        let easy: EasyHandle
        do {
            easy = try EasyHandle()
            try configure(easy, for: request, streaming: collector.streams)
            try easy.setCallbacks(collector)
        } catch {
            throw HTTPClientError(
                code: error.code.map { Int($0) } ?? -1,
                message: "\(error.function) failed" + (error.code.map { ": " + String(cString: curl_easy_strerror(CURLcode(rawValue: $0))) } ?? ""),
                method: request.method, url: request.url, isTimeout: false, isConnectionFailure: false
            )
        }
        let code = withExtendedLifetime(collector) { easy.perform() }
        if collector.exceeded || code == CURLE_FILESIZE_EXCEEDED {
            let what = collector.exceeded && collector.isStreamingLines ? "a line of the streamed response body" : "the response body"
            throw HTTPClientError(
                code: Int(code.rawValue), message: "\(what) is larger than the limit of \(request.maxResponseBytes) bytes",
                method: request.method, url: request.url, isTimeout: false, isConnectionFailure: false,
                responseLimit: request.maxResponseBytes
            )
        }
        guard code == CURLE_OK else {
            let timedOut = code == CURLE_OPERATION_TIMEDOUT
            let notConnected = [CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT].contains(code)
                || (timedOut && !easy.connected)
            throw HTTPClientError(
                code: Int(code.rawValue), message: easy.message(for: code),
                method: request.method, url: request.url, isTimeout: timedOut, isConnectionFailure: notConnected
            )
        }
        return HTTPClientResponse(status: easy.responseCode, headers: collector.headers, body: collector.body)
    }

    private func configure(_ easy: EasyHandle, for request: HTTPClientRequest, streaming: Bool) throws(EasyHandle.SetupFailure) {
        try easy.set(CURLOPT_URL, request.url, "CURLOPT_URL")
        if let socket = request.unixSocketPath {
            try easy.set(CURLOPT_UNIX_SOCKET_PATH, socket, "CURLOPT_UNIX_SOCKET_PATH")
        }
        if let tls = request.tls {
            if let path = tls.caCertificatePath { try easy.set(CURLOPT_CAINFO, path, "CURLOPT_CAINFO") }
            if let path = tls.certificatePath { try easy.set(CURLOPT_SSLCERT, path, "CURLOPT_SSLCERT") }
            if let path = tls.privateKeyPath { try easy.set(CURLOPT_SSLKEY, path, "CURLOPT_SSLKEY") }
        }
        if !request.resolve.isEmpty {
            guard request.resolve.allSatisfy(Self.isValidResolveEntry) else {
                throw EasyHandle.SetupFailure(function: "a resolve entry that is not HOST:PORT:ADDRESS", code: CURLE_BAD_FUNCTION_ARGUMENT.rawValue)
            }
            try easy.setResolve(request.resolve)
        }
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "CURLOPT_REDIR_PROTOCOLS_STR")
        try easy.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try easy.set(CURLOPT_FOLLOWLOCATION, followRedirects ? 1 : 0, "CURLOPT_FOLLOWLOCATION")
        if followRedirects { try easy.set(CURLOPT_MAXREDIRS, 10, "CURLOPT_MAXREDIRS") }
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout), "CURLOPT_CONNECTTIMEOUT_MS")
        try easy.set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout), "CURLOPT_TIMEOUT_MS")
        // A declared Content-Length over the limit fails before the body is read (not when
        // streaming lines: there the limit bounds one line, not the body).
        if !streaming {
            try easy.set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(max(0, request.maxResponseBytes)), "CURLOPT_MAXFILESIZE_LARGE")
        }

        switch (request.method, request.body) {
        case ("GET", nil):
            try easy.set(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        case ("HEAD", nil):
            try easy.set(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        case ("POST", let body):
            try easy.setBody(body ?? Data())
        case (let method, let body):
            if let body { try easy.setBody(body) }
            try easy.set(CURLOPT_CUSTOMREQUEST, method, "CURLOPT_CUSTOMREQUEST")
        }

        var lines: [String] = []
        for (name, value) in request.headers {
            guard Self.isValidField(name), !name.isEmpty, Self.isValidField(value) else {
                // The value may be a secret: name neither in the error.
                throw EasyHandle.SetupFailure(function: "a request header with a line break or empty name", code: CURLE_BAD_FUNCTION_ARGUMENT.rawValue)
            }
            // `Name;` is libcurl's way to send a field with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        lines.append("Expect:")
        if request.method == "POST" || request.body != nil, !request.headers.contains("Content-Type") {
            // Do not let libcurl claim application/x-www-form-urlencoded.
            lines.append("Content-Type:")
        }
        if let userAgent, !request.headers.contains("User-Agent") {
            lines.append("User-Agent: \(userAgent)")
        }
        try easy.setHeaders(lines)
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite else { return 0 }
        return max(1, Int((seconds * 1000).rounded()))
    }

    /// `HOST:PORT:ADDRESS` with a numeric port, no line break and no leading `-` (which would
    /// remove an entry instead of adding one).
    private static func isValidResolveEntry(_ entry: String) -> Bool {
        let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count == 3 && !parts[0].isEmpty && !entry.hasPrefix("-") && UInt16(parts[1]) != nil
            && !parts[2].isEmpty && isValidField(entry)
    }

    private static func isValidField(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }
}
