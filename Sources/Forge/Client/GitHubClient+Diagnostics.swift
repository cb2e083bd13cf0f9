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

    /// The newest deliveries of `hook`, newest first, following the cursor in `Link`
    /// (`GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries`, or `GET /app/hook/deliveries`
    /// with the App's JWT): at most `limit` (1-1000), and none delivered before `since` when
    /// given. Bounded by `maxPages` too. The App's listing holds every installation's events:
    /// `installationID` tells which are this repository's.
    public func hookDeliveries(_ hook: ForgeHook, since: Date? = nil, limit: Int = 100) throws(ForgeError) -> [GitHubHookDelivery] {
        let bound = min(1000, max(1, limit))
        let query = [("per_page", String(min(configuration.pageSize, bound)))]
        let call: Call = switch hook {
        case .repository(let id):
            Call(operation: .listHookDeliveries, method: "GET", path: "\(repoPath)/hooks/\(id)/deliveries", query: query)
        case .app:
            Call(operation: .listAppHookDeliveries, method: "GET", path: "/app/hook/deliveries", query: query,
                 authentication: .appJWT(try appJWT(requiringApp: .listAppHookDeliveries)))
        }
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

    /// The newest deliveries of repository webhook `hookID` (see `hookDeliveries(_:since:limit:)`).
    public func hookDeliveries(hookID: Int, since: Date? = nil, limit: Int = 100) throws(ForgeError) -> [GitHubHookDelivery] {
        try hookDeliveries(.repository(hookID), since: since, limit: limit)
    }

    /// Asks GitHub to send delivery `deliveryID` of `hook` again
    /// (`POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts`, or
    /// `POST /app/hook/deliveries/{delivery_id}/attempts` with the App's JWT; 202).
    /// Not retried on a 5xx (GitHub may have queued it): the caller decides.
    public func redeliverHookDelivery(_ hook: ForgeHook, deliveryID: Int) throws(ForgeError) {
        var call: Call = switch hook {
        case .repository(let id):
            Call(operation: .redeliverHookDelivery, method: "POST", path: "\(repoPath)/hooks/\(id)/deliveries/\(deliveryID)/attempts")
        case .app:
            Call(operation: .redeliverAppHookDelivery, method: "POST", path: "/app/hook/deliveries/\(deliveryID)/attempts",
                 authentication: .appJWT(try appJWT(requiringApp: .redeliverAppHookDelivery)))
        }
        call.retriesServerErrors = false
        _ = try execute(call)
    }

    /// Asks GitHub to send delivery `deliveryID` of repository webhook `hookID` again.
    public func redeliverHookDelivery(hookID: Int, deliveryID: Int) throws(ForgeError) {
        try redeliverHookDelivery(.repository(hookID), deliveryID: deliveryID)
    }
}
