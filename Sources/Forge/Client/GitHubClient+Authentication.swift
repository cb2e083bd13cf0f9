import Foundation
import HTTPClient
import SlipwayCore

extension GitHubClient {
    /// The bearer credential for `call`: the token, the App's JWT, or a cached installation token
    /// (minted again when it has less than `tokenRefreshMargin` seconds left).
    func bearer(for call: Call) throws(ForgeError) -> String {
        switch call.authentication {
        case .appJWT(let jwt):
            return jwt
        case .repository:
            switch credentials {
            case .token(let token):
                return token
            case .app(let app):
                return try installationToken(app)
            }
        }
    }

    private func installationToken(_ app: GitHubAppCredentials) throws(ForgeError) -> String {
        if let cached = freshInstallationToken() { return cached }
        // One refresh at a time; whoever waited finds the new token.
        return try refreshing.withLock { _ throws(ForgeError) -> String in
            if let cached = freshInstallationToken() { return cached }
            let minted = try mintInstallationToken(app)
            installation.withLock { $0 = minted }
            return minted.token
        }
    }

    private func freshInstallationToken() -> String? {
        let now = clock.now()
        return installation.withLock { cached in
            guard let cached, cached.expiresAt.timeIntervalSince(now) > configuration.tokenRefreshMargin else { return nil }
            return cached.token
        }
    }

    private func mintInstallationToken(_ app: GitHubAppCredentials) throws(ForgeError) -> InstallationToken {
        let jwt = try appJWT(app, for: .createInstallationToken)
        let installationID = try installationID(app, jwt: jwt)
        struct Minted: Decodable {
            var token: String
            var expiresAt: Date
            enum CodingKeys: String, CodingKey {
                case token
                case expiresAt = "expires_at"
            }
        }
        let call = Call(operation: .createInstallationToken, method: "POST",
                        path: "/app/installations/\(installationID)/access_tokens",
                        body: Data(#"{"repositories":[\#(JSONString.quote(repository.name))]}"#.utf8),
                        authentication: .appJWT(jwt))
        let response = try execute(call)
        let minted = try decode(Minted.self, from: response, call)
        remember(secret: minted.token)
        // Every copy of the bot's redactor (logs, evidence, docs) masks the new token too.
        logger.redactor.learned?.add(minted.token)
        logger.info("minted a GitHub App installation token", [
            "forge.installation": String(installationID),
            "forge.token_expires_at": ForgeError.iso8601(minted.expiresAt),
        ])
        return InstallationToken(token: minted.token, expiresAt: minted.expiresAt)
    }

    /// The App's installation on the repository: the configured id, or the one GitHub names
    /// (`GET /repos/{owner}/{repo}/installation`), asked each time: the App may be installed
    /// again under a new id while the bot runs.
    private func installationID(_ app: GitHubAppCredentials, jwt: String) throws(ForgeError) -> Int {
        if let known = app.installationID { return known }
        struct Installation: Decodable { var id: Int }
        return try decode(Installation.self, Call(operation: .getInstallation, method: "GET",
                                                  path: "\(repoPath)/installation", authentication: .appJWT(jwt))).id
    }

    /// The App installation this client acts as (nil with token credentials): what tells this
    /// repository's events apart in the App webhook's deliveries.
    public func appInstallationID() throws(ForgeError) -> Int? {
        guard case .app(let app) = credentials else { return nil }
        return try installationID(app, jwt: try appJWT(app, for: .getInstallation))
    }

    /// A JWT for `operation`, one of the App's own endpoints; a token credential cannot call them.
    func appJWT(requiringApp operation: ForgeOperation) throws(ForgeError) -> String {
        guard case .app(let app) = credentials else {
            throw fail(Call(operation: operation, method: "GET", path: ""), .invalidConfiguration,
                       detail: "only a GitHub App (--forge-app-id and --forge-app-key-file) can \(operation.rawValue); a token cannot")
        }
        return try appJWT(app, for: operation)
    }

    /// A JWT for the App's own endpoints, signed with its private key, remembered as a secret.
    func appJWT(_ app: GitHubAppCredentials, for operation: ForgeOperation) throws(ForgeError) -> String {
        let jwt: String
        do {
            jwt = try GitHubAppJWT.make(appID: app.appID, key: app.privateKey, now: clock.now())
        } catch {
            throw fail(Call(operation: operation, method: "POST", path: ""), .invalidConfiguration,
                       detail: "cannot sign the App JWT with the private key")
        }
        remember(secret: jwt)
        return jwt
    }

    /// The token git transfers (and other clients of the repository) authenticate with, as
    /// current as this client's own: the configured token, or the App's installation token,
    /// minted again when it is about to expire (so call this for every fetch or push, never keep
    /// the answer). Blocks while a token is minted.
    public func repositoryAccessToken() throws(ForgeError) -> String {
        try bearer(for: Call(operation: .createInstallationToken, method: "POST", path: ""))
    }

    /// Forgets the cached installation token (the next call mints a new one).
    public func invalidateInstallationToken() {
        installation.withLock { $0 = nil }
    }
}
