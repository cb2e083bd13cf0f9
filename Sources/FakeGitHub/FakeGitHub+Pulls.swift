import Foundation
import HTTPTypes

/// Pull request creation and update, reviews and adding labels, as GitHub answers them.
extension FakeGitHub {
    /// `pulls/create`: head and base must be known branches (`setBranch`), different, and
    /// without an open pull request between them (422 otherwise, with GitHub's messages).
    func createPull(_ request: HTTPRequest, login: String) -> HTTPResponse {
        guard let object = Self.jsonObject(request) else { return Self.validationFailed("body") }
        guard var head = object["head"] as? String, !head.isEmpty else { return Self.validationFailed("head") }
        guard let base = object["base"] as? String, !base.isEmpty else { return Self.validationFailed("base") }
        if let colon = head.firstIndex(of: ":") {
            guard head[..<colon] == owner else { return Self.invalid("head", "forks are not supported by the fake") }
            head = String(head[head.index(after: colon)...])
        }
        let title = object["title"] as? String ?? ""
        let body = object["body"] as? String ?? ""
        let result: Result<(PullRequest, [String]), HTTPResponseBox> = state.withLock { state in
            guard let headSHA = state.branches[head] ?? state.branchLookup?(head) else { return .failure(HTTPResponseBox(Self.invalid("head", "head is not a known branch"))) }
            guard state.branches[base] ?? state.branchLookup?(base) != nil else { return .failure(HTTPResponseBox(Self.invalid("base", "base is not a known branch"))) }
            guard head != base else { return .failure(HTTPResponseBox(Self.invalid("base", "head and base are the same branch"))) }
            if state.pulls.values.contains(where: { $0.state == "open" && $0.headRef == head && $0.headRepository == nil && $0.baseRef == base }) {
                return .failure(HTTPResponseBox(Self.invalid("base", "A pull request already exists for \(owner):\(head).")))
            }
            let pull = PullRequest(number: state.nextIssueNumber, title: title, state: "open", headSHA: headSHA, headRef: head,
                                   baseRef: base, author: login, headRepository: nil, body: body)
            state.pulls[pull.number] = pull
            state.labels[pull.number] = state.labels[pull.number] ?? []
            return .success((pull, state.labels[pull.number] ?? []))
        }
        switch result {
        case .success(let (pull, labels)): return .jsonObject(status: 201, pullJSON(pull, labels: labels))
        case .failure(let box): return box.response
        }
    }

    /// `pulls/update`: `title`, `body` and `state` (`open`/`closed`).
    func updatePull(_ request: HTTPRequest, number: String) -> HTTPResponse {
        guard let object = Self.jsonObject(request) else { return Self.validationFailed("body") }
        if let wanted = object["state"] as? String, !["open", "closed"].contains(wanted) { return Self.invalid("state", "state must be open or closed") }
        let updated: (PullRequest, [String])? = state.withLock { state in
            guard let number = Int(number), var pull = state.pulls[number] else { return nil }
            if let title = object["title"] as? String { pull.title = title }
            if let body = object["body"] as? String { pull.body = body }
            if let wanted = object["state"] as? String { pull.state = wanted }
            state.pulls[number] = pull
            return (pull, state.labels[number] ?? [])
        }
        guard let (pull, labels) = updated else { return Self.message(404, "Not Found") }
        return .jsonObject(pullJSON(pull, labels: labels))
    }

    /// `pulls/list-reviews`: oldest first.
    func listReviews(_ request: HTTPRequest, number: String) -> HTTPResponse {
        guard let number = Int(number) else { return Self.message(404, "Not Found") }
        let found = state.withLock { state in state.pulls[number].map { _ in state.reviews.filter { $0.pullRequest == number } } }
        guard let reviews = found else { return Self.message(404, "Not Found") }
        let full = "\(owner)/\(repo)"
        return paginate(request, reviews.map { review in
            [
                "id": review.id, "node_id": "PRR_\(review.id)", "user": ["login": review.login, "id": 5, "type": "User"],
                "body": "", "state": review.state, "commit_id": review.commitID, "submitted_at": Self.iso8601(review.submittedAt),
                "html_url": "https://github.com/\(full)/pull/\(number)#pullrequestreview-\(review.id)",
                "pull_request_url": "\(baseURL)/repos/\(full)/pulls/\(number)",
                "_links": ["html": ["href": "https://github.com/\(full)/pull/\(number)"], "pull_request": ["href": "\(baseURL)/repos/\(full)/pulls/\(number)"]],
                "author_association": "MEMBER",
            ] as [String: Any]
        })
    }

    /// `issues/add-labels`: `{"labels": [...]}` or a bare array; answers every label now on it.
    func addLabels(_ request: HTTPRequest, issue: String, login: String) -> HTTPResponse {
        guard let number = Int(issue) else { return Self.message(404, "Not Found") }
        let parsed = try? JSONSerialization.jsonObject(with: request.body)
        let names: [String]? = (parsed as? [String]) ?? ((parsed as? [String: Any])?["labels"] as? [String])
        guard let names, !names.isEmpty else { return Self.validationFailed("labels") }
        let all = state.withLock { state in
            state.addLabels(issue: number, names, login: login)
            return state.labels[number] ?? []
        }
        return .jsonObject(all.enumerated().map { ["id": $0.offset + 1, "node_id": "LA_\($0.offset + 1)", "name": $0.element, "color": "ededed",
                                                   "default": false, "description": NSNull(), "url": "\(baseURL)/labels/\($0.element)"] as [String: Any] })
    }

    /// GitHub's 422 for an invalid field, with its message.
    static func invalid(_ field: String, _ text: String) -> HTTPResponse {
        .jsonObject(status: 422, ["message": "Validation Failed", "errors": [["resource": "PullRequest", "field": field, "code": "invalid", "message": text]]])
    }

    /// Carries a response out of a locked closure as a `Result` failure.
    struct HTTPResponseBox: Error {
        let response: HTTPResponse
        init(_ response: HTTPResponse) { self.response = response }
    }
}
