import Foundation
import HTTPClient
import HTTPTypes
import SlipwayCore

extension GitHubClient {
    /// Which credential a request carries.
    enum Authentication {
        /// The token, or the App's installation token.
        case repository
        /// The App's own JWT (installation discovery and token creation).
        case appJWT(String)
    }

    /// One REST call: operation (for errors and permissions), method, path below the API base URL
    /// (segments already percent-encoded), query and JSON body.
    struct Call {
        var operation: ForgeOperation
        var method: String
        var path: String
        var query: [(String, String)] = []
        var body: Data?
        var authentication: Authentication = .repository
        /// Statuses that are not failures for this call (404 for deleting what is already gone).
        var alsoAccepted: Set<Int> = []
        /// Whether a 5xx or a lost response is retried here. False for calls that create
        /// something (a deployment, a pull request, a commit comment): GitHub may have created it
        /// before failing, so the caller (the update queue) retries the whole find-or-create
        /// instead, which never makes two. Rate limits are waited out either way (nothing was done).
        var retriesServerErrors = true
    }

    /// Sends `call` (or the absolute `url` of a next page) with retries; returns a 2xx response
    /// or a status in `call.alsoAccepted`.
    func execute(_ call: Call, url absoluteURL: String? = nil) throws(ForgeError) -> HTTPClientResponse {
        let url = absoluteURL ?? makeURL(call.path, call.query)
        let policy = configuration.retry
        var attempt = 0
        var waited = 0.0
        var renewedToken = false
        while true {
            attempt += 1
            let token = try bearer(for: call)
            var headers = HTTPHeaders()
            headers.add("Accept", "application/vnd.github+json")
            headers.add("X-GitHub-Api-Version", "2022-11-28")
            headers.add("User-Agent", configuration.userAgent)
            headers.add("Authorization", "Bearer \(token)")
            if call.body != nil { headers.add("Content-Type", "application/json; charset=utf-8") }
            let request = HTTPClientRequest(method: call.method, url: url, headers: headers, body: call.body,
                                            connectTimeout: configuration.connectTimeout, timeout: configuration.requestTimeout)
            let response: HTTPClientResponse
            do {
                response = try http.send(request)
            } catch {
                statistics.record(.network)
                let detail = redact(error.description)
                if call.retriesServerErrors, let wait = backoff(after: attempt, waited: waited) {
                    logRetry(call, attempt: attempt, wait: wait, reason: "no response")
                    clock.sleep(seconds: wait)
                    waited += wait
                    continue
                }
                throw fail(call, .network, detail: detail)
            }

            let status = response.status
            record(response)
            if (200..<300).contains(status) || call.alsoAccepted.contains(status) {
                if case .repository = call.authentication { reporter.succeeded(call.operation) }
                return response
            }
            if status == 403 || status == 429, let limit = rateLimitWait(response) {
                let wait = max(0, limit)
                let retryAt = clock.now().addingTimeInterval(wait)
                guard attempt < policy.maxAttempts, wait <= policy.maxRateLimitWait, waited + wait <= policy.maxTotalWait else {
                    throw fail(call, .rateLimited(retryAt: retryAt), detail: gitHubMessage(response) + " (asked to wait \(Int(wait.rounded(.up))) s)")
                }
                logRetry(call, attempt: attempt, wait: wait, reason: "rate limited (\(status))")
                clock.sleep(seconds: wait)
                waited += wait
                continue
            }
            switch status {
            case 401:
                if case .app = credentials, case .repository = call.authentication, !renewedToken {
                    // The installation token may have been revoked early: mint a new one once.
                    renewedToken = true
                    installation.withLock { $0 = nil }
                    attempt -= 1
                    continue
                }
                throw fail(call, .unauthorized, detail: gitHubMessage(response))
            case 403:
                throw fail(call, .forbidden, detail: gitHubMessage(response))
            case 404:
                throw fail(call, .notFound, detail: gitHubMessage(response))
            case 500...599:
                if call.retriesServerErrors, let wait = backoff(after: attempt, waited: waited) {
                    logRetry(call, attempt: attempt, wait: wait, reason: "server error \(status)")
                    clock.sleep(seconds: wait)
                    waited += wait
                    continue
                }
                throw fail(call, .serverError(status: status), detail: gitHubMessage(response))
            default:
                throw fail(call, .unexpectedStatus(status), detail: gitHubMessage(response))
            }
        }
    }

    /// Counts one answered request by outcome, with the rate limit GitHub reported.
    func record(_ response: HTTPClientResponse) {
        let status = response.status
        let outcome: ForgeRequestStatistics.Outcome = switch status {
        case 200..<300: .success
        case 403, 429: rateLimitWait(response) != nil ? .rateLimited : (status == 403 ? .forbidden : .otherStatus)
        case 401: .unauthorized
        case 404: .notFound
        case 500...599: .serverError
        default: .otherStatus
        }
        let number = { (name: String) in response.headers[name].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        statistics.record(outcome, rateLimitRemaining: number("X-RateLimit-Remaining"), rateLimitLimit: number("X-RateLimit-Limit"))
    }

    /// Sends `call` and decodes its JSON body as `T`.
    func decode<T: Decodable>(_ type: T.Type, _ call: Call) throws(ForgeError) -> T {
        let response = try execute(call)
        return try decode(type, from: response, call)
    }

    func decode<T: Decodable>(_ type: T.Type, from response: HTTPClientResponse, _ call: Call) throws(ForgeError) -> T {
        do {
            return try Self.decoder.decode(type, from: response.body)
        } catch {
            throw fail(call, .invalidResponse, detail: "the body is not the expected JSON (\(Self.describe(error)))")
        }
    }

    /// Every item of a paginated list, following `Link: <…>; rel="next"` up to `maxPages` pages.
    /// A next link pointing outside the API base URL is refused (the token would go with it).
    func paginate<T: Decodable>(_ type: T.Type, _ call: Call) throws(ForgeError) -> [T] {
        try paginate([T].self, call) { $0 }
    }

    /// Every item of a paginated list whose pages are objects wrapping the items (check runs:
    /// `{"total_count": …, "check_runs": [...]}`): `items` takes them out of each decoded page.
    func paginate<Page: Decodable, T>(_ page: Page.Type, _ call: Call, items pageItems: (Page) -> [T]) throws(ForgeError) -> [T] {
        var call = call
        call.query.append(("per_page", String(configuration.pageSize)))
        var items: [T] = []
        var next: String? = makeURL(call.path, call.query)
        var pages = 0
        while let url = next, pages < configuration.maxPages {
            let response = try execute(call, url: url)
            items += pageItems(try decode(Page.self, from: response, call))
            pages += 1
            next = response.headers["Link"].flatMap(Self.nextLink)
            if let link = next, !link.hasPrefix(configuration.apiBaseURL + "/") {
                throw fail(call, .invalidResponse, detail: "the next page link leaves the API base URL \(configuration.apiBaseURL)")
            }
        }
        return items
    }

    /// The `rel="next"` URL of a `Link` header.
    static func nextLink(_ header: String) -> String? {
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == #"rel="next""# || $0 == "rel=next" }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }

    func makeURL(_ path: String, _ query: [(String, String)]) -> String {
        var url = configuration.apiBaseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.queryEncoded($0.0))=\(Self.queryEncoded($0.1))" }.joined(separator: "&")
        }
        return url
    }

    /// The wait GitHub asks for on a 403/429, or nil when the answer is not a rate limit:
    /// `Retry-After` (seconds or an HTTP date), else `X-RateLimit-Remaining: 0` with
    /// `X-RateLimit-Reset` (epoch seconds), else a secondary rate limit message or a bare 429
    /// (GitHub asks to wait at least one minute).
    func rateLimitWait(_ response: HTTPClientResponse) -> Double? {
        let now = clock.now()
        if let retryAfter = response.headers["Retry-After"]?.trimmingCharacters(in: .whitespaces) {
            if let seconds = Double(retryAfter) { return seconds }
            if let date = Self.httpDate(retryAfter) { return date.timeIntervalSince(now) }
        }
        if response.headers["X-RateLimit-Remaining"]?.trimmingCharacters(in: .whitespaces) == "0" {
            if let reset = response.headers["X-RateLimit-Reset"].flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
                return max(0, reset - now.timeIntervalSince1970)
            }
            return 60
        }
        if response.status == 429 || gitHubMessage(response).lowercased().contains("rate limit") {
            return 60
        }
        return nil
    }

    /// The backoff before attempt `attempt + 1`, or nil when no attempt or wait budget is left.
    func backoff(after attempt: Int, waited: Double) -> Double? {
        let policy = configuration.retry
        guard attempt < policy.maxAttempts else { return nil }
        let wait = policy.backoff(afterAttempt: attempt, random: random())
        guard waited + wait <= policy.maxTotalWait else { return nil }
        return wait
    }

    /// GitHub's `message` field (redacted, at most 300 characters), else the status alone.
    func gitHubMessage(_ response: HTTPClientResponse) -> String {
        var text = "HTTP \(response.status)"
        if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
           let message = object["message"] as? String {
            text = message
            if let documentation = object["documentation_url"] as? String { text += " (\(documentation))" }
        }
        if text.count > 300 { text = String(text.prefix(300)) + "…" }
        return redact(text)
    }

    /// Builds the error for `call`, reports configuration errors once, and returns it.
    func fail(_ call: Call, _ kind: ForgeError.Kind, detail: String) -> ForgeError {
        let error = ForgeError(kind: kind, repository: repository, operation: call.operation, detail: redact(detail))
        reporter.report(error)
        return error
    }

    func logRetry(_ call: Call, attempt: Int, wait: Double, reason: String) {
        logger.warning("forge call failed; retrying", [
            "forge.operation": call.operation.rawValue,
            "forge.attempt": String(attempt),
            "forge.wait_seconds": String(format: "%.3f", wait),
            "forge.reason": redact(reason),
        ])
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func encode(_ value: some Encodable, _ operation: ForgeOperation) throws(ForgeError) -> Data {
        do {
            return try Self.encoder.encode(value)
        } catch {
            throw ForgeError(kind: .invalidConfiguration, repository: repository, operation: operation, detail: "cannot encode the request body")
        }
    }

    /// One path segment, percent-encoded (everything but RFC 3986 unreserved characters).
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func queryEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .keyNotFound(let key, let context):
                return "missing \(path(context.codingPath + [key]))"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                return "bad value at \(path(context.codingPath))"
            @unknown default:
                return "undecodable"
            }
        }
        return "undecodable"
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
