/// Why Caddy could not be programmed, or why a route or setting was refused. Names the admin
/// endpoint and the request (`PATCH /id/slipway-env-pr-7`) when Caddy was involved; never a
/// credential or a password hash (the router scrubs them from Caddy's answers too).
public struct CaddyRouterError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
