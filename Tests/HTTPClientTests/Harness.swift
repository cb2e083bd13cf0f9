import Foundation
import HTTPServer
import HTTPTypes

/// Starts a server on a free loopback port with `handler`, runs `body` with its base URL
/// (`http://127.0.0.1:<port>`), and stops it.
func withServer<T>(
    _ configuration: HTTPServer.Configuration = HTTPServer.Configuration(),
    handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse,
    _ body: (String) throws -> T
) throws -> T {
    let server = HTTPServer(configuration: configuration, handler: handler)
    try server.start()
    defer { server.stop() }
    return try body("http://127.0.0.1:\(server.port)")
}

/// Answers every request with its method, path and body echoed back.
@Sendable func echo(_ request: HTTPRequest) -> HTTPResponse {
    var response = HTTPResponse(status: 200, body: request.body, contentType: "application/octet-stream")
    response.headers.add("X-Method", request.method)
    response.headers.add("X-Path", request.path)
    response.headers.add("X-Request-Content-Type", request.headers["Content-Type"] ?? "<none>")
    response.headers.add("X-Request-Expect", request.headers["Expect"] ?? "<none>")
    return response
}
