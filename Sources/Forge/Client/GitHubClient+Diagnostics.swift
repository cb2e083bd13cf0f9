public import Foundation

extension GitHubClient {
    /// The core rate limit left to the credentials (`GET /rate_limit`, which does not count
    /// against it).
    public func rateLimit() throws(ForgeError) -> GitHubRateLimit {
        try decode(GitHubRateLimitOverview.self, Call(operation: .getRateLimit, method: "GET", path: "/rate_limit")).resources.core
    }

    /// The GitHub App the credentials are (`GET /app` with the App's JWT), with its permissions;
    /// nil with token credentials.
    public func authenticatedApp() throws(ForgeError) -> GitHubApp? {
        guard case .app(let app) = credentials else { return nil }
        let jwt = try appJWT(app, for: .getAuthenticatedApp)
        return try decode(GitHubApp.self, Call(operation: .getAuthenticatedApp, method: "GET", path: "/app", authentication: .appJWT(jwt)))
    }

    /// The newest deliveries of repository webhook `hookID`, newest first
    /// (`GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries`, following the cursor in `Link`):
    /// at most `limit` (1-1000), and none delivered before `since` when given. Bounded by
    /// `maxPages` too.
    public func hookDeliveries(hookID: Int, since: Date? = nil, limit: Int = 100) throws(ForgeError) -> [GitHubHookDelivery] {
        let bound = min(1000, max(1, limit))
        let call = Call(operation: .listHookDeliveries, method: "GET", path: "\(repoPath)/hooks/\(hookID)/deliveries",
                        query: [("per_page", String(min(configuration.pageSize, bound)))])
        var items: [GitHubHookDelivery] = []
        var next: String? = makeURL(call.path, call.query)
        var pages = 0
        pageLoop: while let url = next, pages < configuration.maxPages {
            let response = try execute(call, url: url)
            pages += 1
            for delivery in try decode([GitHubHookDelivery].self, from: response, call) {
                if let since, delivery.deliveredAt < since { break pageLoop }
                items.append(delivery)
                if items.count == bound { break pageLoop }
            }
            next = response.headers["Link"].flatMap(Self.nextLink)
            if let link = next, !link.hasPrefix(configuration.apiBaseURL + "/") {
                throw fail(call, .invalidResponse, detail: "the next page link leaves the API base URL \(configuration.apiBaseURL)")
            }
        }
        return items
    }

    /// Asks GitHub to send delivery `deliveryID` of hook `hookID` again
    /// (`POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts`, 202).
    /// Not retried on a 5xx (GitHub may have queued it): the caller decides.
    public func redeliverHookDelivery(hookID: Int, deliveryID: Int) throws(ForgeError) {
        var call = Call(operation: .redeliverHookDelivery, method: "POST",
                        path: "\(repoPath)/hooks/\(hookID)/deliveries/\(deliveryID)/attempts")
        call.retriesServerErrors = false
        _ = try execute(call)
    }
}
