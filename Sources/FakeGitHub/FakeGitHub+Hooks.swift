import Foundation
import HTTPTypes

extension FakeGitHub {
    /// `GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries` (`repos/list-webhook-deliveries`):
    /// newest first, `per_page` (default 30, at most 100) and an opaque `cursor`, with a `Link`
    /// header whose `rel="next"` carries the cursor of the next page, as GitHub pages them.
    func listHookDeliveries(_ request: HTTPRequest, hook: String) -> HTTPResponse {
        guard let hookID = Int(hook), let all = state.withLock({ $0.hooks[hookID] ?? (hookID == Self.appHookID ? [] : nil) }) else {
            return Self.message(404, "Not Found")
        }
        let perPage = min(100, max(1, Int(request.queryValue("per_page") ?? "") ?? 30))
        var newestFirst = Array(all.reversed())
        if let cursor = request.queryValue("cursor") {
            guard cursor.hasPrefix("v1_"), let before = Int(cursor.dropFirst(3)) else { return Self.message(400, "Bad Request: invalid cursor") }
            newestFirst = newestFirst.filter { $0.id < before }
        }
        let page = Array(newestFirst.prefix(perPage))
        var response = HTTPResponse.jsonObject(page.map(hookDeliveryJSON))
        if newestFirst.count > perPage, let last = page.last {
            response.headers.set("Link", "<\(baseURL)\(request.path)?per_page=\(perPage)&cursor=v1_\(last.id)>; rel=\"next\"")
        }
        return response
    }

    /// `POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts`
    /// (`repos/redeliver-webhook-delivery`): 202 with an empty object; the redelivery is recorded
    /// and appears in the list as a new delivery of the same guid (`redelivery: true`) ending
    /// with `setRedeliveryStatusCode`'s code.
    func redeliver(hook: String, delivery: String) -> HTTPResponse {
        let found: Bool = state.withLock { state in
            guard let hookID = Int(hook), let deliveryID = Int(delivery),
                  let original = state.hooks[hookID]?.first(where: { $0.id == deliveryID }) else { return false }
            state.redeliveries.append(Redelivery(hookID: hookID, deliveryID: deliveryID, guid: original.guid))
            state.nextID += 1
            let code = state.redeliveryStatusCode
            state.hooks[hookID, default: []].append(HookDelivery(
                id: state.nextID, guid: original.guid, deliveredAt: now(), redelivery: true, statusCode: code,
                status: (200..<300).contains(code) ? "OK" : "Invalid HTTP Response: \(code)", event: original.event, action: original.action,
                installationID: original.installationID))
            return true
        }
        return found ? .jsonObject(status: 202, [String: Any]()) : Self.message(404, "Not Found")
    }

    /// `GET /rate_limit` (`rate-limit/get`): `resources.core`, `resources.search` and the
    /// deprecated `rate` (a copy of core), with the `X-RateLimit-*` headers.
    func rateLimitJSON() -> HTTPResponse {
        let core = state.withLock { $0.rateLimit }
        func object(_ limit: RateLimit) -> [String: Any] {
            ["limit": limit.limit, "remaining": limit.remaining, "reset": limit.reset, "used": limit.limit - limit.remaining]
        }
        let search = RateLimit(limit: 30, remaining: 30, reset: core.reset)
        var response = HTTPResponse.jsonObject([
            "resources": ["core": object(core), "search": object(search), "graphql": object(core)],
            "rate": object(core),
        ])
        response.headers.set("X-RateLimit-Limit", String(core.limit))
        response.headers.set("X-RateLimit-Remaining", String(core.remaining))
        response.headers.set("X-RateLimit-Reset", String(core.reset))
        return response
    }

    private func hookDeliveryJSON(_ delivery: HookDelivery) -> [String: Any] {
        ["id": delivery.id, "guid": delivery.guid, "delivered_at": Self.iso8601(delivery.deliveredAt), "redelivery": delivery.redelivery,
         "duration": 0.05, "status": delivery.status, "status_code": delivery.statusCode, "event": delivery.event,
         "action": delivery.action ?? NSNull(), "installation_id": delivery.installationID ?? NSNull(), "repository_id": 1]
    }
}
