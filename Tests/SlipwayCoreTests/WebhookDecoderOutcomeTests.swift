import Foundation
import SlipwayCore
import Testing

@Suite("Ignoring and rejecting webhook deliveries")
struct WebhookDecoderOutcomeTests {
    let opened = "pull_request.opened.json"

    @Test("events Slipway does not handle are ignored with the event named", arguments: [
        "issues", "check_run", "workflow_run", "Push", "PULL_REQUEST", "Ping", "",
    ])
    func unknownEventIgnored(event: String) throws {
        let outcome = WebhookDecoder.decode(event: event, payload: try WebhookFixtures.data(opened))
        #expect(outcome == .ignored(reason: "event '\(event)' is not handled"))
    }

    @Test("an event name with control characters is escaped in the reason")
    func unknownEventEscaped() {
        let outcome = WebhookDecoder.decode(event: "evil\nline", payload: Data("{}".utf8))
        guard case .ignored(let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(!reason.contains("\n"))
        #expect(reason.contains("evil\\nline"))
    }

    @Test("pull_request actions Slipway does not handle are ignored with the action named", arguments: [
        "assigned", "review_requested", "auto_merge_enabled", "Opened",
    ])
    func unknownActionIgnored(action: String) throws {
        let payload = try WebhookFixtures.edited(opened, at: ["action"], to: action)
        let outcome = WebhookDecoder.decode(event: "pull_request", payload: payload)
        #expect(outcome == .ignored(reason: "pull_request action '\(action)' is not handled"))
    }

    @Test("an unhandled action is ignored even when the rest of the body would not decode")
    func unknownActionIgnoredBeforeFullDecode() throws {
        let payload = Data(#"{"action":"assigned","number":"x"}"#.utf8)
        guard case .ignored = WebhookDecoder.decode(event: "pull_request", payload: payload) else {
            Issue.record("not ignored")
            return
        }
    }

    @Test("ready_for_review, converted_to_draft and edited decode", arguments: [
        ("ready_for_review", PullRequestAction.readyForReview, false),
        ("converted_to_draft", PullRequestAction.convertedToDraft, true),
        ("edited", PullRequestAction.edited, false),
    ])
    func synthesisedActions(raw: String, action: PullRequestAction, draft: Bool) throws {
        let payload = try WebhookFixtures.edited(opened, [
            (["action"], raw), (["pull_request", "draft"], draft),
        ])
        let event = try WebhookFixtures.pullRequest(WebhookDecoder.decode(event: "pull_request", payload: payload))
        #expect(event.action == action)
        #expect(event.action.rawValue == raw)
        #expect(event.pullRequest.draft == draft)
        #expect(event.number == 2)
        #expect(event.label == nil)
    }

    @Test("missing draft and merged flags read as false")
    func missingFlagsAreFalse() throws {
        let payload = try WebhookFixtures.edited(opened, [
            (["pull_request", "draft"], nil), (["pull_request", "merged"], NSNull()),
            (["pull_request", "labels"], nil), (["pull_request", "user"], nil),
        ])
        let pr = try WebhookFixtures.pullRequest(WebhookDecoder.decode(event: "pull_request", payload: payload))
            .pullRequest
        #expect(!pr.draft && !pr.merged)
        #expect(pr.labels.isEmpty)
        #expect(pr.author == nil)
    }

    @Test("a pull request from a fork is from a fork")
    func forkByName() throws {
        let payload = try WebhookFixtures.edited(
            opened, at: ["pull_request", "head", "repo", "full_name"], to: "mallory/Hello-World")
        let pr = try WebhookFixtures.pullRequest(WebhookDecoder.decode(event: "pull_request", payload: payload))
            .pullRequest
        #expect(pr.head.repoFullName == "mallory/Hello-World")
        #expect(pr.isFromFork)
    }

    @Test("a pull request whose fork was deleted (head.repo null) is from a fork")
    func forkDeleted() throws {
        let payload = try WebhookFixtures.edited(opened, at: ["pull_request", "head", "repo"], to: NSNull())
        let pr = try WebhookFixtures.pullRequest(WebhookDecoder.decode(event: "pull_request", payload: payload))
            .pullRequest
        #expect(pr.head.repoFullName == nil)
        #expect(pr.head.sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821")
        #expect(pr.isFromFork)
    }

    @Test("repository names differing only in case are the same repository")
    func sameRepositoryIgnoringCase() {
        let pr = PullRequest(
            number: 1, state: .open, title: "t",
            head: PullRequestRef(ref: "a", sha: "1", repoFullName: "codertocat/hello-world"),
            base: PullRequestRef(ref: "b", sha: "2", repoFullName: "Codertocat/Hello-World"))
        #expect(!pr.isFromFork)
    }

    @Test("a missing head sha is rejected naming pull_request.head.sha")
    func missingHeadSHA() throws {
        let payload = try WebhookFixtures.edited(opened, at: ["pull_request", "head", "sha"], to: nil)
        let outcome = WebhookDecoder.decode(event: "pull_request", payload: payload)
        #expect(outcome == .rejected(fieldPath: "pull_request.head.sha", reason: "required key missing"))
    }

    @Test("a null head sha is rejected naming pull_request.head.sha")
    func nullHeadSHA() throws {
        let payload = try WebhookFixtures.edited(opened, at: ["pull_request", "head", "sha"], to: NSNull())
        let outcome = WebhookDecoder.decode(event: "pull_request", payload: payload)
        #expect(outcome == .rejected(
            fieldPath: "pull_request.head.sha", reason: "required value is null, expected a string"))
    }

    @Test("a number of the wrong type is rejected naming number")
    func numberWrongType() throws {
        let payload = try WebhookFixtures.edited(opened, at: ["number"], to: "two")
        let outcome = WebhookDecoder.decode(event: "pull_request", payload: payload)
        #expect(outcome == .rejected(fieldPath: "number", reason: "expected an integer"))
    }

    @Test("wrong types deep in the body are rejected with their path", arguments: [
        ("pull_request.opened.json", "pull_request", ["pull_request", "merged"], #""yes""#,
         "pull_request.merged", "expected a boolean"),
        ("pull_request.opened.json", "pull_request", ["pull_request"], #""x""#,
         "pull_request", "expected an object"),
        ("pull_request.opened.json", "pull_request", ["pull_request", "labels"], #""bug""#,
         "pull_request.labels", "expected an array"),
        ("pull_request.opened.json", "pull_request", ["pull_request", "labels", "0", "name"], "7",
         "pull_request.labels[0].name", "expected a string"),
        ("push.new-branch.json", "push", ["commits", "0", "id"], "42",
         "commits[0].id", "expected a string"),
        ("push.new-branch.json", "push", ["created"], #""true""#,
         "created", "expected a boolean"),
        ("ping.json", "ping", ["hook_id"], #""109948940""#,
         "hook_id", "expected an integer"),
    ] as [(String, String, [String], String, String, String)])
    func wrongTypes(
        name: String, event: String, path: [String], valueJSON: String, fieldPath: String, reason: String
    ) throws {
        let value = try JSONSerialization.jsonObject(with: Data(valueJSON.utf8), options: .fragmentsAllowed)
        let payload = try WebhookFixtures.edited(name, at: path, to: value)
        #expect(WebhookDecoder.decode(event: event, payload: payload) == .rejected(fieldPath: fieldPath, reason: reason))
    }

    @Test("missing required keys are rejected with their path", arguments: [
        ("pull_request.opened.json", "pull_request", ["action"], "action"),
        ("pull_request.opened.json", "pull_request", ["repository", "owner", "login"], "repository.owner.login"),
        ("pull_request.opened.json", "pull_request", ["pull_request", "base", "ref"], "pull_request.base.ref"),
        ("pull_request.labeled.json", "pull_request", ["pull_request", "labels", "0", "name"],
         "pull_request.labels[0].name"),
        ("pull_request.labeled.json", "pull_request", ["label"], "label"),
        ("push.new-branch.json", "push", ["ref"], "ref"),
        ("push.new-branch.json", "push", ["repository", "full_name"], "repository.full_name"),
        ("push.new-branch.json", "push", ["head_commit", "id"], "head_commit.id"),
        ("ping.json", "ping", ["repository", "name"], "repository.name"),
    ])
    func missingKeys(name: String, event: String, path: [String], fieldPath: String) throws {
        let payload = try WebhookFixtures.edited(name, at: path, to: nil)
        let outcome = WebhookDecoder.decode(event: event, payload: payload)
        guard case .rejected(let rejectedPath, let reason) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(rejectedPath == fieldPath)
        #expect(reason.hasPrefix("required key missing"))
    }

    @Test("an unknown pull request state is rejected naming pull_request.state")
    func unknownState() throws {
        let payload = try WebhookFixtures.edited(opened, at: ["pull_request", "state"], to: "merged")
        guard case .rejected(let path, let reason) = WebhookDecoder.decode(event: "pull_request", payload: payload)
        else { Issue.record("not rejected"); return }
        #expect(path == "pull_request.state")
        #expect(reason.contains("'merged'"))
    }

    @Test("a ping without a repository (organisation hook) decodes")
    func pingWithoutRepository() throws {
        let payload = try WebhookFixtures.edited("ping.json", at: ["repository"], to: nil)
        #expect(WebhookDecoder.decode(event: "ping", payload: payload) == .event(.ping(PingEvent(
            zen: "Anything added dilutes everything else.", hookID: 109_948_940, repository: nil))))
    }

    @Test("a body that is not JSON is rejected at the top level", arguments: [
        "not json", "", "{\"action\":", "payload=%7B%7D",
    ])
    func notJSON(body: String) {
        for event in ["ping", "push", "pull_request"] {
            let outcome = WebhookDecoder.decode(event: event, payload: Data(body.utf8))
            guard case .rejected(let path, let reason) = outcome else { Issue.record("\(outcome)"); continue }
            #expect(path == "")
            #expect(reason.hasPrefix("body is not valid JSON: "), "\(reason)")
            #expect(reason.count > "body is not valid JSON: ".count)
        }
        #expect(!WebhookDecoder.isJSONObject(Data(body.utf8)))
    }

    @Test("JSON that is not an object is rejected at the top level", arguments: ["[]", "\"text\"", "42", "null"])
    func notAnObject(body: String) {
        #expect(WebhookDecoder.decode(event: "push", payload: Data(body.utf8))
            == .rejected(fieldPath: "", reason: "body is valid JSON but not an object"))
        #expect(!WebhookDecoder.isJSONObject(Data(body.utf8)))
    }

    @Test("every fixture and an empty object are JSON objects")
    func jsonObjects() throws {
        for name in try WebhookFixtures.payloadNames() {
            #expect(WebhookDecoder.isJSONObject(try WebhookFixtures.data(name)), "\(name)")
        }
        #expect(WebhookDecoder.isJSONObject(Data("{}".utf8)))
    }

    @Test("a pull_request_review delivery decodes the reviewer, the state and the commit")
    func review() throws {
        let body = Data("""
        {"action":"submitted","review":{"user":{"login":"octocat"},"state":"APPROVED","commit_id":"abc123"},
         "pull_request":{"number":7,"state":"open","title":"Promote","head":{"ref":"main","sha":"abc123"},"base":{"ref":"production","sha":"def"}},
         "repository":{"full_name":"o/r","name":"r","owner":{"login":"o"}},"sender":{"login":"octocat"}}
        """.utf8)
        guard case .event(.pullRequestReview(let event)) = WebhookDecoder.decode(event: "pull_request_review", payload: body) else {
            Issue.record("not decoded as a review")
            return
        }
        #expect(event.number == 7)
        #expect(event.reviewer == "octocat")
        #expect(event.state == "approved")
        #expect(event.commitID == "abc123")
        #expect(event.baseRef == "production")
        // A review without its pull request names the missing field.
        let broken = Data(#"{"action":"submitted","review":{},"repository":{"full_name":"o/r","name":"r","owner":{"login":"o"}}}"#.utf8)
        guard case .rejected(let path, _) = WebhookDecoder.decode(event: "pull_request_review", payload: broken) else {
            Issue.record("accepted a review without its pull request")
            return
        }
        #expect(path == "pull_request")
    }
}
