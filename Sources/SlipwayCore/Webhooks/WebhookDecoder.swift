public import Foundation

/// Turns the body of a GitHub webhook delivery into a typed `WebhookEvent`.
///
/// Pure: no I/O, no state; safe to call from several threads at once. The signature must have
/// been verified over the raw body before the result is trusted.
public enum WebhookDecoder {
    /// The `X-GitHub-Event` names `decode(event:payload:)` turns into events.
    public static let handledEvents: Set<String> = ["ping", "push", "pull_request", "pull_request_review"]

    /// Decodes `payload` as the body of an `event` delivery.
    ///
    /// - `event` is matched case-sensitively, as GitHub sends it (lowercase). Events not in
    ///   `handledEvents` are `.ignored` without looking at the body.
    /// - A `pull_request` action not in `PullRequestAction` is `.ignored`, naming the action.
    /// - A body that is not a JSON object is `.rejected` with an empty field path; a required field
    ///   that is missing, `null` or of the wrong type is `.rejected` with its dotted path.
    public static func decode(event: String, payload: Data) -> WebhookDecodeOutcome {
        guard handledEvents.contains(event) else {
            return .ignored(reason: "event \(quoted(event)) is not handled")
        }
        if let problem = jsonObjectProblem(payload) {
            return .rejected(fieldPath: "", reason: problem)
        }
        do {
            switch event {
            case "ping":
                let fields = pruned(payload, WebhookWire.Selection.ping)
                return .event(.ping(try decoder().decode(WebhookWire.Ping.self, from: fields).model))
            case "push":
                let fields = pruned(payload, WebhookWire.Selection.push)
                return .event(.push(try decoder().decode(WebhookWire.Push.self, from: fields).model))
            case "pull_request_review":
                let fields = pruned(payload, WebhookWire.Selection.pullRequestReviewEvent)
                return .event(.pullRequestReview(try decoder().decode(WebhookWire.PullRequestReviewEvent.self, from: fields).model))
            default:
                return try decodePullRequest(pruned(payload, WebhookWire.Selection.pullRequestEvent))
            }
        } catch let error as DecodingError {
            return .rejected(fieldPath: error.fieldPath, reason: error.reason)
        } catch {
            return .rejected(fieldPath: "", reason: "could not decode the body: \(error)")
        }
    }

    /// Whether `data` is a JSON document whose top level is an object, as every GitHub webhook
    /// body is. The HTTP layer answers 400 when this is false.
    public static func isJSONObject(_ data: Data) -> Bool {
        jsonObjectProblem(data) == nil
    }

    /// The top-level `action` of a body, when it is a JSON object with a string there (for
    /// listings of deliveries that were ignored or rejected).
    public static func action(in payload: Data) -> String? {
        guard JSONSyntax.objectProblem(payload) == nil,
              let fields = JSONPruner.prune(payload, keeping: WebhookWire.Selection.action) else { return nil }
        return (try? decoder().decode(WebhookWire.OptionalAction.self, from: fields))?.action
    }

    /// Only the fields the decoder reads (the body was checked to be JSON): decoding them gives
    /// the same event, or the same error at the same field path, as decoding the whole body.
    private static func pruned(_ payload: Data, _ selection: JSONPruner.Selection) -> Data {
        JSONPruner.prune(payload, keeping: selection) ?? payload
    }

    private static func decodePullRequest(_ payload: Data) throws -> WebhookDecodeOutcome {
        let probe = try decoder().decode(WebhookWire.ActionProbe.self, from: payload)
        guard let action = PullRequestAction(rawValue: probe.action) else {
            return .ignored(reason: "pull_request action \(quoted(probe.action)) is not handled")
        }
        let wire = try decoder().decode(WebhookWire.PullRequestEvent.self, from: payload)
        guard let state = PullRequest.State(rawValue: wire.pullRequest.state) else {
            return .rejected(
                fieldPath: "pull_request.state",
                reason: "unknown state \(quoted(wire.pullRequest.state)), expected 'open' or 'closed'")
        }
        let label = wire.label?.name
        if action == .labeled || action == .unlabeled, label == nil {
            return .rejected(fieldPath: "label", reason: "required key missing for action '\(action.rawValue)'")
        }
        let pr = wire.pullRequest
        let pullRequest = PullRequest(
            number: pr.number, state: state, title: pr.title, draft: pr.draft ?? false,
            merged: pr.merged ?? false, mergeCommitSHA: pr.mergeCommitSHA, head: pr.head.model,
            base: pr.base.model, labels: (pr.labels ?? []).map(\.name), author: pr.user?.login, updatedAt: pr.updatedAt)
        return .event(.pullRequest(PullRequestEvent(
            action: action, number: wire.number, pullRequest: pullRequest,
            label: action == .labeled || action == .unlabeled ? label : nil,
            sender: wire.sender?.login, repository: wire.repository.model,
            before: wire.before, after: wire.after)))
    }

    private static func decoder() -> JSONDecoder { JSONDecoder() }

    /// `nil` when `data` is a JSON object, otherwise why not.
    private static func jsonObjectProblem(_ data: Data) -> String? {
        guard let problem = JSONSyntax.objectProblem(data) else { return nil }
        if problem.message == "expected a JSON object", JSONSyntax.valueProblem(data) == nil {
            return "body is valid JSON but not an object"
        }
        return "body is not valid JSON: \(problem)"
    }

    /// Quotes a value taken from the request for use in a reason: at most 64 characters, control
    /// characters escaped, so the reason stays one safe log line.
    static func quoted(_ value: String) -> String {
        var text = ""
        for scalar in value.unicodeScalars.prefix(64) {
            if scalar.properties.generalCategory == .control || scalar == "'" {
                text += scalar.escaped(asASCII: true)
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        if value.unicodeScalars.count > 64 { text += "…" }
        return "'\(text)'"
    }
}
