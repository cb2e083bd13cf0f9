public import Forge
public import Git

/// The credentials git uses with the managed repository's remote, from the forge settings: the
/// token as `x-access-token`/token, or — with a GitHub App — `x-access-token` and the App's
/// current installation token, asked from the forge client before every clone, fetch and push,
/// so the token the client renewed is the one sent (the client adds each new token to the
/// bot's shared redactor as it mints it).
///
/// Only for an `https://` remote, or `http://` to a loopback address (tests, a local proxy): a
/// token never goes in clear over the network.
public enum ForgeGitCredentials {
    public static func provider(source: String, credentials: ForgeCredentials?, client: GitHubClient?) -> GitCredentialProvider {
        guard carriesCredentials(source) else { return .fixed(nil) }
        switch credentials {
        case .token(let token)?:
            return .fixed(.token(token))
        case .app?:
            guard let client else { return .fixed(nil) }
            return GitCredentialProvider { .token(try client.repositoryAccessToken()) }
        case nil:
            return .fixed(nil)
        }
    }

    /// Whether credentials may be sent to `source`.
    static func carriesCredentials(_ source: String) -> Bool {
        let lowered = source.lowercased()
        if lowered.hasPrefix("https://") { return true }
        guard lowered.hasPrefix("http://") else { return false }
        let authority = lowered.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last.map(String.init) ?? ""
        return host == "localhost" || host.hasPrefix("localhost:") || host == "127.0.0.1" || host.hasPrefix("127.0.0.1:")
            || host.hasPrefix("[::1]")
    }
}
