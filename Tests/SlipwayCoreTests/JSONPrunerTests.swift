import Foundation
import SlipwayCore
import Testing

@Suite("JSON pruner (the fields the webhook decoder reads)")
struct JSONPrunerTests {
    typealias S = JSONPruner.Selection

    func prune(_ text: String, _ selection: S) -> String? {
        JSONPruner.prune(Data(text.utf8), keeping: selection).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("only the selected members are kept, in order, with their bytes as they were")
    func keepsSelected() {
        let text = #"{ "a" : 1.50e2, "big": {"x": [1, 2, {"y": "z"}]}, "b": {"c": "\u00e9\n", "d": false, "e": null}, "f": "skip" }"#
        #expect(prune(text, .object(["a": .value, "b": .object(["c": .value, "e": .value])])) == #"{"a":1.50e2,"b":{"c":"\u00e9\n","e":null}}"#)
        #expect(prune(text, .object([:])) == "{}")
        #expect(prune(text, .value) == text)
    }

    @Test("arrays are pruned element by element; a value of another type than selected is kept whole")
    func arraysAndMismatches() {
        let text = #"{"labels":[{"name":"a","color":"f00"},{"color":"0f0"},"odd",[1]],"head":"not an object","repo":[{"x":1}]}"#
        let selection = S.object(["labels": .array(.object(["name": .value])), "head": .object(["sha": .value]),
                                  "repo": .object(["full_name": .value])])
        #expect(prune(text, selection) == #"{"labels":[{"name":"a"},{},"odd",[1]],"head":"not an object","repo":[{"x":1}]}"#)
        #expect(prune(#"{"labels":[]}"#, selection) == #"{"labels":[]}"#)
        #expect(prune(#"{"labels":{}}"#, selection) == #"{"labels":{}}"#)
    }

    @Test("a key spelled with escapes is the key it denotes, and duplicate keys are all kept for the decoder to judge")
    func escapedAndDuplicateKeys() {
        #expect(prune(#"{"actio\u006e":"opened","other":1}"#, .object(["action": .value])) == #"{"actio\u006e":"opened"}"#)
        #expect(prune(#"{"a":1,"b":2,"a":3}"#, .object(["a": .value])) == #"{"a":1,"a":3}"#)
    }

    @Test("what is not valid JSON gives nil", arguments: [
        "", "{", #"{"a":1,}"#, #"{"a":[1,2}"#, #"{"a":1} x"#, #"{"a" 1}"#, #"{"skipped":tru,"a":1}"#, #"{"a":{"b":1,}}"#,
    ])
    func invalid(text: String) {
        #expect(prune(text, .object(["a": .object(["b": .value])])) == nil)
    }

    @Test("decoding the pruned fixture gives the same event as decoding the whole body", arguments: [
        ("pull_request", "pull_request.opened.json"), ("push", "push.branch-updated.json"), ("push", "push.tag-deleted.json"), ("ping", "ping.json"),
    ])
    func sameEventAsFullDecode(event: String, fixture: String) throws {
        let body = try WebhookFixtures.data(fixture)
        let outcome = WebhookDecoder.decode(event: event, payload: body)
        guard case .event = outcome else { Issue.record("\(outcome)"); return }
        // Re-serialised (every key kept, another layout): the decoder reads it the same.
        let relaid = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: body), options: [.sortedKeys])
        #expect(WebhookDecoder.decode(event: event, payload: relaid) == outcome)
    }

    @Test("the action of a body for listings, whatever the event")
    func action() {
        #expect(WebhookDecoder.action(in: Data(#"{"zen":"x","action":"assigned","pull_request":{}}"#.utf8)) == "assigned")
        #expect(WebhookDecoder.action(in: Data(#"{"action":3}"#.utf8)) == nil)
        #expect(WebhookDecoder.action(in: Data(#"{"zen":"x"}"#.utf8)) == nil)
        #expect(WebhookDecoder.action(in: Data("not json".utf8)) == nil)
        #expect(WebhookDecoder.action(in: Data(#"["action"]"#.utf8)) == nil)
    }
}
