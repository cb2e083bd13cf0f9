import Crypto
import Foundation
import HTTPTypes

extension FakeGitHub {
    /// Records, applies any queued failure, authenticates, then routes.
    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let failure: Failure? = state.withLock { state in
            state.requests.append(RecordedRequest(method: request.method, path: request.path, query: request.query,
                                                  headers: request.headers, body: request.body))
            if let index = state.failures.firstIndex(where: { $0.pathContains.map(request.path.contains) ?? true }) {
                return state.failures.remove(at: index).failure
            }
            guard let outage = state.outage, outage.pathContains.map(request.path.contains) ?? true else { return nil }
            return outage.failure
        }
        switch failure {
        case .serverError(let status):
            return Self.message(status, "Server Error")
        case .rateLimit(let resetAt):
            var response = Self.message(403, "API rate limit exceeded for installation ID 1.")
            response.headers.set("X-RateLimit-Limit", "5000")
            response.headers.set("X-RateLimit-Remaining", "0")
            response.headers.set("X-RateLimit-Reset", String(resetAt))
            return response
        case .retryAfter(let seconds, let status):
            var response = Self.message(status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
            response.headers.set("Retry-After", String(seconds))
            return response
        case .status(let status):
            return Self.message(status, status == 404 ? "Not Found" : status == 422 ? "Validation Failed" : "Refused")
        case .delay(let seconds):
            Thread.sleep(forTimeInterval: seconds)
        case nil:
            break
        }
        return route(request)
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        let repoPrefix = "/repos/\(owner)/\(repo)"
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // App endpoints authenticate with the App's JWT.
        if request.path == "/app" || request.path.hasPrefix("/app/") || request.path == "\(repoPrefix)/installation" {
            guard let app = verifiedApp(request) else { return Self.message(401, "A JSON web token could not be decoded") }
            if request.path == "/app", request.method == "GET" {
                return appJSON(app)
            }
            if request.path == "\(repoPrefix)/installation", request.method == "GET" {
                return .jsonObject(["id": app.installationID, "app_id": Int(app.appID) ?? 0, "account": ["login": owner]])
            }
            // /app/installations/{id}/access_tokens
            if request.method == "POST", parts.count == 5, parts[1] == "app", parts[2] == "installations", parts[4] == "access_tokens" {
                guard Int(parts[3]) == app.installationID else { return Self.message(404, "Not Found") }
                return mintToken(app)
            }
            // The App's webhook: /app/hook/deliveries and /app/hook/deliveries/{id}/attempts.
            if parts.count >= 4, parts[1] == "app", parts[2] == "hook", parts[3] == "deliveries" {
                if request.method == "GET", parts.count == 4 { return listHookDeliveries(request, hook: String(Self.appHookID)) }
                if request.method == "POST", parts.count == 6, parts[5] == "attempts" {
                    return redeliver(hook: String(Self.appHookID), delivery: parts[4])
                }
            }
            return Self.message(404, "Not Found")
        }
        guard let grant = authenticate(request) else {
            return Self.message(401, "Bad credentials")
        }
        if request.path == "/user", request.method == "GET" {
            return authenticatedUser(grant)
        }
        if request.path == "/rate_limit", request.method == "GET" {
            return rateLimitJSON()
        }
        guard request.path.hasPrefix(repoPrefix + "/") else { return Self.message(404, "Not Found") }
        let rest = Array(parts.dropFirst(4)) // after "", "repos", owner, repo
        let scope: Scope = switch (rest.first, rest.count > 2 ? rest[2] : nil) {
        case ("pulls", _): .pullRequests
        case ("statuses", _), ("commits", "status"): .statuses
        case ("commits", "check-runs"): .checks
        case ("commits", _), ("branches", _): .contents
        case ("deployments", _): .deployments
        case ("collaborators", _): .metadata
        case ("hooks", _): .webhooks
        default: .issues
        }
        if let status = grant.denied[scope] {
            return status == 404 ? Self.message(404, "Not Found")
                : Self.message(403, "Resource not accessible by personal access token")
        }
        switch (request.method, rest.count, rest.first) {
        case ("GET", 1, "pulls"):
            return listPulls(request)
        case ("POST", 1, "pulls"):
            return createPull(request, login: grant.login)
        case ("GET", 2, "pulls"):
            return getPull(rest[1])
        case ("PATCH", 2, "pulls"):
            return updatePull(request, number: rest[1])
        case ("GET", 3, "pulls") where rest[2] == "reviews":
            return listReviews(request, number: rest[1])
        case ("GET", 3, "issues") where rest[2] == "comments":
            return listComments(request, issue: rest[1])
        case ("POST", 3, "issues") where rest[2] == "comments":
            return createComment(request, issue: rest[1], login: grant.login)
        case ("PATCH", 3, "issues") where rest[1] == "comments":
            return updateComment(request, id: rest[2])
        case ("DELETE", 3, "issues") where rest[1] == "comments":
            return deleteComment(id: rest[2])
        case ("GET", 3, "issues") where rest[2] == "labels":
            return listLabels(request, issue: rest[1])
        case ("POST", 3, "issues") where rest[2] == "labels":
            return addLabels(request, issue: rest[1], login: grant.login)
        case ("DELETE", 4, "issues") where rest[2] == "labels":
            return removeLabel(issue: rest[1], name: rest[3])
        case ("POST", 2, "statuses"):
            return createStatus(request, sha: rest[1], login: grant.login)
        case ("GET", 3, "commits") where rest[2] == "status":
            return combinedStatus(request, ref: rest[1])
        case ("GET", 3, "commits") where rest[2] == "check-runs":
            return listCheckRuns(request, ref: rest[1])
        case ("POST", 3, "commits") where rest[2] == "comments":
            return createCommitComment(request, sha: rest[1], login: grant.login)
        case ("GET", 1, "deployments"):
            return listDeployments(request)
        case ("POST", 1, "deployments"):
            return createDeployment(request, login: grant.login)
        case ("GET", 3, "deployments") where rest[2] == "statuses":
            return listDeploymentStatuses(request, id: rest[1])
        case ("POST", 3, "deployments") where rest[2] == "statuses":
            return createDeploymentStatus(request, id: rest[1], login: grant.login)
        case ("GET", 3, "collaborators") where rest[2] == "permission":
            return permission(rest[1])
        case ("GET", 3, "hooks") where rest[2] == "deliveries":
            return listHookDeliveries(request, hook: rest[1])
        case ("POST", 5, "hooks") where rest[2] == "deliveries" && rest[4] == "attempts":
            return redeliver(hook: rest[1], delivery: rest[3])
        case ("GET", _, "branches") where rest.count >= 2:
            return getBranch(rest.dropFirst().joined(separator: "/"))
        default:
            return Self.message(404, "Not Found")
        }
    }

    /// `repos/get-branch`: the branch's commit and whether it is `protected` (`setProtected`).
    private func getBranch(_ encoded: String) -> HTTPResponse {
        let name = encoded.removingPercentEncoding ?? encoded
        let found: (sha: String, protected: Bool)? = state.withLock { state in
            guard let sha = state.branches[name] ?? state.branchLookup?(name) else { return nil }
            return (sha, state.protectedBranches.contains(name))
        }
        guard let found else { return Self.message(404, "Branch not found") }
        let full = "\(owner)/\(repo)"
        return .jsonObject([
            "name": name, "commit": ["sha": found.sha, "url": "\(baseURL)/repos/\(full)/commits/\(found.sha)"] as [String: Any],
            "protected": found.protected, "protection_url": "\(baseURL)/repos/\(full)/branches/\(encoded)/protection",
            "_links": ["self": "\(baseURL)/repos/\(full)/branches/\(encoded)", "html": "https://github.com/\(full)/tree/\(name)"],
        ] as [String: Any])
    }

    // MARK: Authentication

    private func bearer(_ request: HTTPRequest) -> String? {
        guard let header = request.headers["Authorization"] else { return nil }
        for prefix in ["Bearer ", "token "] where header.hasPrefix(prefix) {
            return String(header.dropFirst(prefix.count))
        }
        return nil
    }

    private func authenticate(_ request: HTTPRequest) -> Grant? {
        guard let token = bearer(request) else { return nil }
        return state.withLock { state in
            guard let grant = state.grants[token] else { return nil }
            if let expiresAt = grant.expiresAt, expiresAt <= now() { return nil }
            return grant
        }
    }

    /// The app whose key signed the request's JWT, when its claims are valid now.
    private func verifiedApp(_ request: HTTPRequest) -> App? {
        guard let jwt = bearer(request) else { return nil }
        let pieces = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 3,
              let headerBytes = Base64URL.decode(pieces[0]), let claimsBytes = Base64URL.decode(pieces[1]),
              let signature = Base64URL.decode(pieces[2]),
              let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any],
              header["alg"] as? String == "RS256",
              let claims = (try? JSONSerialization.jsonObject(with: Data(claimsBytes))) as? [String: Any],
              let issuedAt = claims["iat"] as? Int, let expires = claims["exp"] as? Int
        else { return nil }
        let issuer = (claims["iss"] as? String) ?? (claims["iss"] as? Int).map(String.init)
        let now = Int(self.now().timeIntervalSince1970)
        guard issuedAt <= now + 60, expires > now, expires - issuedAt <= 600 else { return nil }
        let apps = state.withLock { $0.apps }
        let signingInput = pieces[0] + "." + pieces[1]
        return apps.first { app in
            app.appID == issuer && ((try? RSAPublicKey(pem: app.publicKeyPEM))?.verifySHA256(signature: signature, message: String(signingInput)) ?? false)
        }
    }

    /// `GET /user`: the token's login (`users/get-authenticated`). GitHub refuses installation
    /// tokens here ("Resource not accessible by integration"), and so does the fake.
    private func authenticatedUser(_ grant: Grant) -> HTTPResponse {
        if grant.isInstallation { return Self.message(403, "Resource not accessible by integration") }
        if let status = grant.denied[.user] {
            return status == 404 ? Self.message(404, "Not Found") : Self.message(403, "Resource not accessible by personal access token")
        }
        let isBot = grant.login.hasSuffix("[bot]")
        return .jsonObject(["login": grant.login, "id": 1, "node_id": "U_1", "type": isBot ? "Bot" : "User", "site_admin": false,
                            "html_url": "https://github.com/\(grant.login)"])
    }

    /// `GET /app`: the App the JWT names (`apps/get-authenticated`).
    private func appJSON(_ app: App) -> HTTPResponse {
        .jsonObject(["id": Int(app.appID) ?? 0, "slug": app.slug, "node_id": "A_\(app.appID)", "name": app.slug,
                     "owner": ["login": owner, "id": 3, "type": "Organization"],
                     "html_url": "https://github.com/apps/\(app.slug)", "description": "", "external_url": "https://example.com",
                     "created_at": Self.iso8601(Date(timeIntervalSince1970: 1_767_225_600)),
                     "updated_at": Self.iso8601(Date(timeIntervalSince1970: 1_767_225_600)),
                     "permissions": app.permissions,
                     "events": ["pull_request", "push"]])
    }

    private func mintToken(_ app: App) -> HTTPResponse {
        let (token, expiresAt, observers) = state.withLock { state in
            state.nextID += 1
            let token = "ghs_fakeinstallation\(state.nextID)x\(UInt32.random(in: 0...UInt32.max))"
            let expiresAt = now().addingTimeInterval(app.tokenLifetime)
            state.grants[token] = Grant(login: "\(app.slug)[bot]", denied: [:], expiresAt: expiresAt, isInstallation: true)
            state.mintedTokens.append(token)
            return (token, expiresAt, state.tokenObservers)
        }
        // Before answering, so whoever watches knows the token before the client uses it.
        for observe in observers { observe(token) }
        return .jsonObject(status: 201, ["token": token, "expires_at": Self.iso8601(expiresAt),
                                         "permissions": ["issues": "write", "statuses": "write", "pull_requests": "write", "metadata": "read",
                                                         "checks": "read", "deployments": "write", "contents": "write"]])
    }

    // MARK: Pull requests

    private func listPulls(_ request: HTTPRequest) -> HTTPResponse {
        let wanted = request.queryValue("state") ?? "open"
        let head = request.queryValue("head"), base = request.queryValue("base")
        let pulls = state.withLock {
            $0.pulls.values.filter { pull in
                (wanted == "all" || pull.state == wanted) && (base == nil || pull.baseRef == base)
                    && (head == nil || headLabel(pull) == head)
            }.sorted { $0.number > $1.number }
        }
        let labels = state.withLock { $0.labels }
        return paginate(request, pulls.map { pullJSON($0, labels: labels[$0.number] ?? []) })
    }

    private func getPull(_ number: String) -> HTTPResponse {
        let found = state.withLock { state in Int(number).flatMap { state.pulls[$0] }.map { ($0, state.labels[$0.number] ?? []) } }
        guard let (pull, labels) = found else { return Self.message(404, "Not Found") }
        return .jsonObject(pullJSON(pull, labels: labels))
    }

    /// `OWNER:BRANCH` of the pull request's head (the fork's owner for a fork).
    func headLabel(_ pull: PullRequest) -> String {
        let headOwner = pull.headRepository.map { String($0.split(separator: "/").first ?? "") } ?? owner
        return "\(headOwner):\(pull.headRef)"
    }

    func pullJSON(_ pull: PullRequest, labels: [String]) -> [String: Any] {
        let full = "\(owner)/\(repo)"
        return [
            "body": pull.body, "merged_at": pull.mergedAt.map(Self.iso8601) ?? NSNull(),
            "id": 100_000 + pull.number, "number": pull.number, "state": pull.state, "title": pull.title, "draft": false,
            "url": "\(baseURL)/repos/\(full)/pulls/\(pull.number)", "html_url": "https://github.com/\(full)/pull/\(pull.number)",
            "user": ["login": pull.author, "id": 1, "type": "User"],
            "head": ["ref": pull.headRef, "sha": pull.headSHA, "label": headLabel(pull), "repo": ["full_name": pull.headRepository ?? full]],
            "base": ["ref": pull.baseRef, "sha": String(repeating: "0", count: 40), "label": "\(owner):\(pull.baseRef)", "repo": ["full_name": full]],
            "labels": labels.enumerated().map { ["id": $0.offset + 1, "name": $0.element, "color": "ededed"] },
            "updated_at": Self.iso8601(Date(timeIntervalSince1970: 1_767_225_600)),
        ]
    }

    // MARK: Comments

    private func listComments(_ request: HTTPRequest, issue: String) -> HTTPResponse {
        guard let number = Int(issue) else { return Self.message(404, "Not Found") }
        return paginate(request, comments(onIssue: number).map(commentJSON))
    }

    private func createComment(_ request: HTTPRequest, issue: String, login: String) -> HTTPResponse {
        guard let number = Int(issue) else { return Self.message(404, "Not Found") }
        guard let body = Self.jsonObject(request)?["body"] as? String else { return Self.validationFailed("body") }
        let comment = state.withLock { $0.addComment(issue: number, body: body, login: login) }
        return .jsonObject(status: 201, commentJSON(comment))
    }

    private func updateComment(_ request: HTTPRequest, id: String) -> HTTPResponse {
        guard let body = Self.jsonObject(request)?["body"] as? String else { return Self.validationFailed("body") }
        let updated: Comment? = state.withLock { state in
            guard let id = Int(id), var comment = state.comments[id] else { return nil }
            state.clock = state.clock.addingTimeInterval(1)
            comment.body = body
            comment.updatedAt = state.clock
            state.comments[id] = comment
            return comment
        }
        guard let updated else { return Self.message(404, "Not Found") }
        return .jsonObject(commentJSON(updated))
    }

    private func deleteComment(id: String) -> HTTPResponse {
        let removed = state.withLock { state in Int(id).flatMap { state.comments.removeValue(forKey: $0) } != nil }
        return removed ? HTTPResponse(status: 204) : Self.message(404, "Not Found")
    }

    private func commentJSON(_ comment: Comment) -> [String: Any] {
        let full = "\(owner)/\(repo)"
        return [
            "id": comment.id, "node_id": "IC_\(comment.id)", "body": comment.body,
            "url": "\(baseURL)/repos/\(full)/issues/comments/\(comment.id)",
            "html_url": "https://github.com/\(full)/pull/\(comment.issue)#issuecomment-\(comment.id)",
            "issue_url": "\(baseURL)/repos/\(full)/issues/\(comment.issue)",
            "user": ["login": comment.login, "id": 2, "type": comment.login.hasSuffix("[bot]") ? "Bot" : "User"],
            "created_at": Self.iso8601(comment.createdAt), "updated_at": Self.iso8601(comment.updatedAt),
            "author_association": "NONE",
        ]
    }

    // MARK: Labels, statuses, permissions

    private func listLabels(_ request: HTTPRequest, issue: String) -> HTTPResponse {
        let names = labels(onIssue: Int(issue) ?? -1)
        return paginate(request, names.enumerated().map { ["id": $0.offset + 1, "name": $0.element, "color": "ededed", "default": false] })
    }

    private func removeLabel(issue: String, name: String) -> HTTPResponse {
        let remaining: [String]? = state.withLock { state in
            guard let number = Int(issue), var names = state.labels[number], let index = names.firstIndex(of: name) else { return nil }
            names.remove(at: index)
            state.labels[number] = names
            return names
        }
        if remaining != nil, let number = Int(issue) { state.withLock { $0.labelActors[number]?[name] = nil } }
        guard let remaining else { return Self.message(404, "Label does not exist") }
        return .jsonObject(remaining.enumerated().map { ["id": $0.offset + 1, "name": $0.element] })
    }

    private func createStatus(_ request: HTTPRequest, sha: String, login: String) -> HTTPResponse {
        guard let object = Self.jsonObject(request), let stateName = object["state"] as? String,
              ["error", "failure", "pending", "success"].contains(stateName) else { return Self.validationFailed("state") }
        if let description = object["description"] as? String, description.count > 140 { return Self.validationFailed("description") }
        let status = state.withLock { state in
            state.nextID += 1
            let status = Status(id: state.nextID, sha: sha, state: stateName, context: object["context"] as? String ?? "default",
                                description: object["description"] as? String, targetURL: object["target_url"] as? String)
            state.statuses.append(status)
            return status
        }
        var json: [String: Any] = ["id": status.id, "state": status.state, "context": status.context,
                                   "creator": ["login": login], "created_at": Self.iso8601(Date())]
        if let description = status.description { json["description"] = description }
        if let target = status.targetURL { json["target_url"] = target }
        return .jsonObject(status: 201, json)
    }

    private func permission(_ login: String) -> HTTPResponse {
        let permission = state.withLock { $0.permissions[login] } ?? "none"
        let simple = ["maintain": "write", "triage": "read"][permission] ?? permission
        // `repository-collaborator-permission`: the user is a `nullable-collaborator`.
        let api = "\(baseURL)/users/\(login)"
        let user: [String: Any] = [
            "login": login, "id": 1, "node_id": "U_1", "avatar_url": "", "gravatar_id": "", "url": api,
            "html_url": "https://github.com/\(login)", "followers_url": api + "/followers", "following_url": api + "/following",
            "gists_url": api + "/gists", "starred_url": api + "/starred", "subscriptions_url": api + "/subscriptions",
            "organizations_url": api + "/orgs", "repos_url": api + "/repos", "events_url": api + "/events",
            "received_events_url": api + "/received_events", "type": login.hasSuffix("[bot]") ? "Bot" : "User", "site_admin": false,
            "role_name": permission,
        ]
        return .jsonObject(["permission": simple, "role_name": permission, "user": user])
    }

    // MARK: Helpers

    /// One page of `items` with GitHub's `Link` header.
    func paginate(_ request: HTTPRequest, _ items: [[String: Any]]) -> HTTPResponse {
        paginate(request, items) { $0 }
    }

    /// One page of `items`, wrapped by `wrap` (e.g. `{"total_count": …, "check_runs": page}`).
    func paginate(_ request: HTTPRequest, _ items: [[String: Any]], wrap: ([[String: Any]]) -> Any) -> HTTPResponse {
        let perPage = min(100, max(1, Int(request.queryValue("per_page") ?? "") ?? 30))
        let page = max(1, Int(request.queryValue("page") ?? "") ?? 1)
        let lastPage = max(1, (items.count + perPage - 1) / perPage)
        let start = min(items.count, (page - 1) * perPage)
        let slice = Array(items[start..<min(items.count, start + perPage)])
        var response = HTTPResponse.jsonObject(wrap(slice))
        var links: [String] = []
        func link(_ number: Int, _ rel: String) {
            var query = request.queryItems.filter { $0.name != "page" }.map { "\($0.name)=\($0.value ?? "")" }
            query.append("page=\(number)")
            links.append("<\(baseURL)\(request.path)?\(query.joined(separator: "&"))>; rel=\"\(rel)\"")
        }
        if page > 1 { link(page - 1, "prev") }
        if page < lastPage { link(page + 1, "next"); link(lastPage, "last") }
        if page > 1 { link(1, "first") }
        if !links.isEmpty { response.headers.set("Link", links.joined(separator: ", ")) }
        return response
    }

    static func jsonObject(_ request: HTTPRequest) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any]
    }

    static func message(_ status: Int, _ text: String) -> HTTPResponse {
        .jsonObject(status: status, ["message": text, "documentation_url": "https://docs.github.com/rest"])
    }

    static func validationFailed(_ field: String) -> HTTPResponse {
        .jsonObject(status: 422, ["message": "Validation Failed", "errors": [["field": field, "code": "missing_field"]]])
    }

    static func iso8601(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
