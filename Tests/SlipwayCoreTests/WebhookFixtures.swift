import Foundation
import SlipwayCore
import Testing
import TestSupport

/// Loads and edits the webhook payloads in `Fixtures/webhooks/` (provenance: its README.md and
/// SOURCES.json), and unwraps decoder outcomes.
enum WebhookFixtures {
    static let zeros = String(repeating: "0", count: 40)

    static var directory: URL { Fixtures.directory().appendingPathComponent("webhooks", isDirectory: true) }

    /// The payload files (every `.json` except `SOURCES.json`).
    static func payloadNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && $0 != "SOURCES.json" }
            .sorted()
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    /// The `X-GitHub-Event` a fixture arrives under: its file name up to the first dot.
    static func eventName(of name: String) -> String {
        String(name.prefix { $0 != "." })
    }

    static func decode(_ name: String) throws -> WebhookDecodeOutcome {
        WebhookDecoder.decode(event: eventName(of: name), payload: try data(name))
    }

    static func ping(_ name: String) throws -> PingEvent {
        guard case .event(.ping(let ping)) = try decode(name) else { throw Unexpected(try decode(name)) }
        return ping
    }

    static func push(_ name: String) throws -> PushEvent {
        guard case .event(.push(let push)) = try decode(name) else { throw Unexpected(try decode(name)) }
        return push
    }

    static func pullRequest(_ name: String) throws -> PullRequestEvent {
        try pullRequest(WebhookDecoder.decode(event: "pull_request", payload: try data(name)))
    }

    static func pullRequest(_ outcome: WebhookDecodeOutcome) throws -> PullRequestEvent {
        guard case .event(.pullRequest(let event)) = outcome else { throw Unexpected(outcome) }
        return event
    }

    struct Unexpected: Error, CustomStringConvertible {
        let outcome: WebhookDecodeOutcome
        init(_ outcome: WebhookDecodeOutcome) { self.outcome = outcome }
        var description: String { "unexpected outcome: \(outcome)" }
    }

    /// The fixture `name` re-serialised with the value at `path` replaced by `value` (`nil` removes
    /// the key, `NSNull()` writes `null`). Numeric path components index arrays.
    static func edited(_ name: String, _ edits: [(path: [String], value: Any?)]) throws -> Data {
        var object: Any = try JSONSerialization.jsonObject(with: data(name))
        for edit in edits {
            object = try set(edit.value, at: edit.path[...], in: object)
        }
        return try JSONSerialization.data(withJSONObject: object)
    }

    static func edited(_ name: String, at path: [String], to value: Any?) throws -> Data {
        try edited(name, [(path, value)])
    }

    private static func set(_ value: Any?, at path: ArraySlice<String>, in container: Any) throws -> Any {
        let key = try #require(path.first)
        let rest = path.dropFirst()
        if var array = container as? [Any] {
            let index = try #require(Int(key), "array index expected at \(key)")
            array[index] = rest.isEmpty ? value ?? NSNull() : try set(value, at: rest, in: array[index])
            return array
        }
        var dictionary = try #require(container as? [String: Any], "no object at \(key)")
        if rest.isEmpty {
            dictionary[key] = value
        } else {
            dictionary[key] = try set(value, at: rest, in: try #require(dictionary[key], "no key \(key)"))
        }
        return dictionary
    }
}
