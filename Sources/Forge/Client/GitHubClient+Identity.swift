import Foundation

extension GitHubClient {
    /// The login the bot's own comments carry, learned once from the forge and then kept (one
    /// value per client): with a token, `GET /user` → `login`; with a GitHub App, `GET /app`
    /// (JWT) → `slug`, and the App comments as `<slug>[bot]`.
    ///
    /// Fails with `.invalidConfiguration` when the forge will not say (a 403 or 404, as GitHub
    /// answers `GET /user` for an installation token): the sticky comment is only ever one the
    /// bot wrote, so without its login no comment may be edited or deleted. A failure is not
    /// kept: the next call asks again.
    public func botLogin() throws(ForgeError) -> String {
        if let known = identity.withLock({ $0 }) { return known }
        let login: String
        switch credentials {
        case .token:
            login = try authenticatedUserLogin()
        case .app(let app):
            login = try authenticatedAppSlug(app) + "[bot]"
        }
        identity.withLock { $0 = login }
        return login
    }

    private func authenticatedUserLogin() throws(ForgeError) -> String {
        struct User: Decodable { var login: String }
        let call = Call(operation: .getAuthenticatedUser, method: "GET", path: "/user", alsoAccepted: [403, 404])
        let response = try execute(call)
        guard response.status == 200 else {
            throw fail(call, .invalidConfiguration, detail: """
                cannot learn the bot's own login: GET /user answered \(response.status) (\(gitHubMessage(response))). \
                Slipway only ever edits or deletes a pull request comment it wrote itself, so it needs \
                \(call.operation.permission)
                """)
        }
        let user = try decode(User.self, from: response, call)
        guard !user.login.isEmpty else { throw fail(call, .invalidResponse, detail: "GET /user returned an empty login") }
        return user.login
    }

    private func authenticatedAppSlug(_ app: GitHubAppCredentials) throws(ForgeError) -> String {
        // GitHub's schema does not mark `slug` required; without it the login is unknown.
        struct App: Decodable { var slug: String? }
        let jwt = try appJWT(app, for: .getAuthenticatedApp)
        let call = Call(operation: .getAuthenticatedApp, method: "GET", path: "/app", authentication: .appJWT(jwt))
        let found = try decode(App.self, call)
        guard let slug = found.slug, !slug.isEmpty else {
            throw fail(call, .invalidConfiguration, detail: """
                GET /app returned no slug, so the login the App comments as (<slug>[bot]) is unknown; \
                Slipway only ever edits or deletes a pull request comment it wrote itself
                """)
        }
        return slug
    }
}
