public import Forge
import Foundation

/// The forge part of the configuration: where GitHub is, which repository, and how to sign in.
/// Nil credentials mean "no forge": PRs come from refs and webhooks, nothing is posted.
public struct ForgeSettings: Sendable {
    public var apiBaseURL: String
    public var repository: ForgeRepository?
    public var credentials: ForgeCredentials?
    /// The forge client's time (its retry and rate-limit waits): the wall clock, or simulated
    /// time in tests (a forge outage of an hour without waiting an hour).
    public var clock: any ForgeClock = SystemForgeClock()

    public init(apiBaseURL: String = GitHubClient.Configuration.defaultAPIBaseURL, repository: ForgeRepository? = nil,
                credentials: ForgeCredentials? = nil) {
        self.apiBaseURL = apiBaseURL
        self.repository = repository
        self.credentials = credentials
    }

    /// The forge repository `repo` (as given to `--repo`) is on: a github.com URL
    /// (`https://github.com/OWNER/NAME(.git)`, `git@github.com:OWNER/NAME.git`, ssh and git
    /// forms), or a URL on the host of a GitHub Enterprise `apiBaseURL` (`https://HOST/api/v3`).
    /// Nil for a local path or another host. Needs no credentials: deliveries about any other
    /// repository are ignored whenever this is known.
    public static func managedRepository(derivedFrom repo: String, apiBaseURL: String) -> ForgeRepository? {
        if let repository = ForgeRepository(remoteURL: repo) { return repository }
        guard let host = URL(string: apiBaseURL)?.host, !host.isEmpty, host.lowercased() != "api.github.com" else { return nil }
        return ForgeRepository(remoteURL: repo, host: host)
    }

    /// Reads the forge settings; a half-configured forge (credentials but no repository, an App
    /// id without a key) is an error that says what is missing.
    static func resolve(_ source: ConfigSource, repo: String?) throws -> ForgeSettings {
        var settings = ForgeSettings(apiBaseURL: source.value(.forgeURL) ?? GitHubClient.Configuration.defaultAPIBaseURL)
        if let text = source.value(.forgeRepo) {
            guard let repository = ForgeRepository(text) else {
                throw ConfigError("--forge-repo must be OWNER/NAME (got '\(text)')")
            }
            settings.repository = repository
        } else if let repo {
            settings.repository = managedRepository(derivedFrom: repo, apiBaseURL: settings.apiBaseURL)
        }
        do {
            if let appID = source.value(.forgeAppID) {
                guard let keyFile = source.value(.forgeAppKeyFile) else {
                    throw ConfigError("--forge-app-id needs --forge-app-key-file (the App's private key)")
                }
                let installation = try source.value(.forgeInstallationID).map { text -> Int in
                    guard let id = Int(text) else { throw ConfigError("--forge-installation-id must be a number") }
                    return id
                }
                settings.credentials = .app(try GitHubAppCredentials(appID: appID, privateKeyFile: keyFile, installationID: installation))
            } else {
                settings.credentials = try ForgeCredentials.token(file: source.value(.forgeTokenFile), environment: source.environment)
            }
        } catch let error as ForgeError {
            throw ConfigError("\(error)")
        }
        return settings
    }
}
