import Foundation

/// A username and password (or token) for HTTP(S) remotes.
///
/// The password never appears in `description`, `debugDescription` or reflection (`dump`), and
/// this wrapper cuts it out of libgit2's error messages. A value type: safe to pass between threads.
public struct GitCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Credentials for a bearer-style access token sent as basic auth (GitHub, Gitea, GitLab
    /// accept any username with a token; GitHub documents `x-access-token`).
    public static func token(_ token: String) -> GitCredentials {
        GitCredentials(username: "x-access-token", password: token)
    }

    public var description: String { "GitCredentials(username: \(username), password: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["username": username, "password": "<redacted>"])
    }

    /// The `Authorization` header value for HTTP basic auth.
    var basicAuthorizationHeader: String {
        "Authorization: Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}
