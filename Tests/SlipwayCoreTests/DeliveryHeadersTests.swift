import SlipwayCore
import Testing

@Suite("Parsing webhook delivery headers")
struct DeliveryHeadersTests {
    /// A case-insensitive lookup over `headers`, as the HTTP layer provides.
    static func lookup(_ headers: [String: String]) -> (String) -> String? {
        let lowered = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        return { lowered[$0.lowercased()] }
    }

    static let documented: [String: String] = [
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/044aadd",
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "X-GitHub-Hook-ID": "109948940",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-GitHub-Hook-Installation-Target-ID": "79929171",
        "X-Hub-Signature": "sha1=76ac21982c0083585ee317e1e94f0edb8ce7ee9f",
        "X-Hub-Signature-256": "sha256=9dc478d9f168340c18752a2c72bfbec57a9230b5a8af4e1b5cd19e4469a0e55a",
    ]

    @Test("the documented example delivery's headers are all read")
    func documentedHeaders() throws {
        let headers = try DeliveryHeaders.parse(Self.lookup(Self.documented)).get()
        #expect(headers == DeliveryHeaders(
            deliveryID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", event: "pull_request",
            signature256: "sha256=9dc478d9f168340c18752a2c72bfbec57a9230b5a8af4e1b5cd19e4469a0e55a",
            hookID: "109948940", userAgent: "GitHub-Hookshot/044aadd",
            installationTargetType: "integration", installationTargetID: "79929171"))
    }

    @Test("proxy-style header spellings are read through the case-insensitive lookup")
    func proxySpelling() throws {
        let headers = try DeliveryHeaders.parse(Self.lookup([
            "x-github-delivery": "abc", "X-Github-Event": "push", "X-Github-Hook-Id": "7",
            "x-hub-signature-256": "sha256=00",
        ])).get()
        #expect(headers.deliveryID == "abc")
        #expect(headers.event == "push")
        #expect(headers.hookID == "7")
        #expect(headers.signature256 == "sha256=00")
        #expect(headers.userAgent == nil && headers.installationTargetType == nil)
    }

    @Test("surrounding spaces are trimmed and an unsigned delivery has no signature")
    func trimmingAndUnsigned() throws {
        let headers = try DeliveryHeaders.parse(Self.lookup([
            "X-GitHub-Delivery": " \tabc-1 ", "X-GitHub-Event": " ping", "X-Hub-Signature-256": "  ",
        ])).get()
        #expect(headers.deliveryID == "abc-1")
        #expect(headers.event == "ping")
        #expect(headers.signature256 == nil)
    }

    @Test("a missing or empty delivery id is an error naming X-GitHub-Delivery", arguments: [nil, "", "   "])
    func missingDelivery(value: String?) {
        var headers = Self.documented
        headers["X-GitHub-Delivery"] = value
        let result = DeliveryHeaders.parse(Self.lookup(headers))
        #expect(result == .failure(.missingHeader("X-GitHub-Delivery")))
        #expect(DeliveryHeaderError.missingHeader("X-GitHub-Delivery").description
            == "missing required header X-GitHub-Delivery")
    }

    @Test("a missing event is an error naming X-GitHub-Event")
    func missingEvent() throws {
        var headers = Self.documented
        headers["X-GitHub-Event"] = nil
        let result = DeliveryHeaders.parse(Self.lookup(headers))
        #expect(result == .failure(.missingHeader("X-GitHub-Event")))
        let error = try #require(result.failureValue)
        #expect(error.description.contains("X-GitHub-Event"))
    }

    @Test("acceptable delivery ids", arguments: [
        "72d3162e-cc78-11e3-81ab-4c9367dc0958", "a", "A.b_c:d-e", "0", String(repeating: "x", count: 200),
    ])
    func validDeliveryIDs(id: String) throws {
        #expect(DeliveryHeaders.isValidDeliveryID(id))
        var headers = Self.documented
        headers["X-GitHub-Delivery"] = id
        #expect(try DeliveryHeaders.parse(Self.lookup(headers)).get().deliveryID == id)
    }

    @Test("delivery ids that are unsafe in logs and file names are refused without echoing them", arguments: [
        "../etc/passwd", "a b", "a/b", "a\\b", "é", "x\ny", "a%2F", "{id}", "sémaphore", String(repeating: "x", count: 201),
    ])
    func invalidDeliveryIDs(id: String) throws {
        #expect(!DeliveryHeaders.isValidDeliveryID(id))
        var headers = Self.documented
        headers["X-GitHub-Delivery"] = id
        let error = try #require(DeliveryHeaders.parse(Self.lookup(headers)).failureValue)
        guard case .invalidHeader(let name, _) = error else { Issue.record("\(error)"); return }
        #expect(name == "X-GitHub-Delivery")
        #expect(!error.description.contains(id))
    }

    @Test("an event name with characters GitHub never sends is refused", arguments: [
        "pull request", "push\n", "a/b", String(repeating: "e", count: 101),
    ])
    func invalidEvent(event: String) throws {
        var headers = Self.documented
        headers["X-GitHub-Event"] = event
        let error = try #require(DeliveryHeaders.parse(Self.lookup(headers)).failureValue)
        guard case .invalidHeader(let name, _) = error else { Issue.record("\(error)"); return }
        #expect(name == "X-GitHub-Event")
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
