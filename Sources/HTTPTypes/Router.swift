/// Dispatches requests to handlers by method and path pattern.
///
/// A pattern is a path whose segments are literals, `:name` (captures one segment into
/// `HTTPRequest.pathParameters["name"]`) or, as the last segment only, `*` (captures the rest of the
/// path, possibly empty, into `pathParameters["*"]`), e.g. `/repos/:owner/:repo/issues/:number/comments`.
/// Routes are tried in the order they were added; the first whose pattern and method match wins.
/// A path that matches no pattern is answered 404; a path that matches only under other methods
/// is answered 405 with an `Allow` header. `HEAD` falls back to the `GET` route.
///
/// Build the router once, then share it: a value type whose handlers are `@Sendable`, so it is
/// safe to use from several threads.
public struct Router: Sendable {
    /// Answers one request; runs on the server's worker threads and must not block for long.
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    private struct Route: Sendable {
        let method: String
        let pattern: Pattern
        let handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    /// Adds a route for `method` (e.g. `POST`) and `pattern`.
    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        routes.append(Route(method: method, pattern: Pattern(pattern), handler: handler))
    }

    public mutating func get(_ pattern: String, _ handler: @escaping Handler) { add("GET", pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping Handler) { add("POST", pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: @escaping Handler) { add("PUT", pattern, handler) }
    public mutating func patch(_ pattern: String, _ handler: @escaping Handler) { add("PATCH", pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping Handler) { add("DELETE", pattern, handler) }

    /// Runs the matching handler with `pathParameters` filled in, or answers 404 / 405.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        var allowed: [String] = []
        var headFallback: (Route, [String: String])?
        for route in routes {
            guard let parameters = route.pattern.match(request.path) else { continue }
            if route.method == request.method {
                return run(route, parameters, request)
            }
            if request.method == "HEAD", route.method == "GET", headFallback == nil {
                headFallback = (route, parameters)
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if let (route, parameters) = headFallback {
            return run(route, parameters, request)
        }
        if allowed.isEmpty {
            return HTTPResponse(status: 404, body: "not found\n")
        }
        if allowed.contains("GET"), !allowed.contains("HEAD") { allowed.append("HEAD") }
        var response = HTTPResponse(status: 405, body: "method not allowed\n")
        response.headers.set("Allow", allowed.joined(separator: ", "))
        return response
    }

    /// The router as a server handler.
    public var handler: Handler {
        let router = self
        return { router.handle($0) }
    }

    private func run(_ route: Route, _ parameters: [String: String], _ request: HTTPRequest) -> HTTPResponse {
        var request = request
        request.pathParameters = parameters
        return route.handler(request)
    }
}

/// A parsed route pattern (see `Router`).
struct Pattern: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(Substring)
        case parameter(String)
    }

    let segments: [Segment]
    /// Whether the pattern ends in `*`, matching any remainder.
    let wildcard: Bool

    init(_ text: String) {
        var parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.first == "" { parts.removeFirst() }
        wildcard = parts.last == "*"
        if wildcard { parts.removeLast() }
        segments = parts.map { part in
            part.first == ":" && part.count > 1 ? .parameter(String(part.dropFirst())) : .literal(part)
        }
    }

    /// The captured parameters when `path` matches, nil otherwise.
    func match(_ path: String) -> [String: String]? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.first == "" { parts.removeFirst() }
        if wildcard ? parts.count < segments.count : parts.count != segments.count { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard literal == part else { return nil }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                parameters[name] = String(part)
            }
        }
        if wildcard {
            parameters["*"] = parts.dropFirst(segments.count).joined(separator: "/")
        }
        return parameters
    }
}
