/// Where a clone, fetch or push gets its credentials: asked again before every transfer, so a
/// token renewed while the bot runs (a GitHub App installation token lives one hour) is the one
/// sent, and never kept by the caller.
///
/// `current()` may block (minting a token is an HTTP call) and may throw (the forge refused);
/// callers put its error in their own. A value type: safe to pass between threads.
public struct GitCredentialProvider: Sendable {
    private let provide: @Sendable () throws -> GitCredentials?

    /// `provide` is called once per transfer; nil means "no credentials" (a local path, a public
    /// remote).
    public init(_ provide: @escaping @Sendable () throws -> GitCredentials?) {
        self.provide = provide
    }

    /// Always the same credentials (or none).
    public static func fixed(_ credentials: GitCredentials?) -> GitCredentialProvider {
        GitCredentialProvider { credentials }
    }

    /// The credentials for the transfer about to start.
    public func current() throws -> GitCredentials? {
        try provide()
    }
}
