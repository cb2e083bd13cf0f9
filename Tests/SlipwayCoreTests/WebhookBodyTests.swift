import Foundation
import SlipwayCore
import Testing

@Suite("Finding the JSON payload in a webhook request body")
struct WebhookBodyTests {
    /// Form-encodes `bytes` as a browser would: unreserved bytes stay, a space becomes `+`,
    /// everything else (including `+` itself) becomes `%XX`.
    static func formEncoded(_ bytes: Data) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*".utf8)
        var text = ""
        for byte in bytes {
            if unreserved.contains(byte) {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else if byte == UInt8(ascii: " ") {
                text += "+"
            } else {
                text += String(format: "%%%02X", byte)
            }
        }
        return text
    }

    @Test("application/json bodies are returned unchanged, whatever the case and parameters", arguments: [
        "application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
        "  application/json  ", "APPLICATION/JSON ; charset=\"utf-8\"",
    ])
    func json(contentType: String) throws {
        let body = try WebhookFixtures.data("ping.compact-raw.json")
        #expect(WebhookBody.payload(contentType: contentType, body: body) == .success(body))
    }

    @Test("other or missing content types are unsupported", arguments: [
        "text/plain", "application/jsonx", "application/vnd.github+json", "multipart/form-data; boundary=x",
        "", "json",
    ])
    func unsupported(contentType: String) {
        #expect(WebhookBody.payload(contentType: contentType, body: Data("{}".utf8))
            == .failure(.unsupportedMediaType(contentType)))
    }

    @Test("a missing content type is unsupported")
    func missingContentType() {
        let result = WebhookBody.payload(contentType: nil, body: Data("{}".utf8))
        #expect(result == .failure(.unsupportedMediaType(nil)))
        #expect(WebhookBodyError.unsupportedMediaType(nil).description.contains("missing content type"))
    }

    @Test("a form-encoded payload comes back byte-identical, with '+' as space and %2B as plus", arguments: [
        "push.new-branch.json", "pull_request.opened.json", "ping.compact-raw.json",
    ])
    func formPayload(name: String) throws {
        let json = try WebhookFixtures.data(name)
        let encoded = Self.formEncoded(json)
        #expect(encoded.contains("+"))  // the pretty-printed spaces
        if name == "push.new-branch.json" { #expect(encoded.contains("%2B")) }  // 21031067+Codertocat
        for body in ["payload=\(encoded)", "a=1&payload=\(encoded)&b=%20", "&&payload=\(encoded)&"] {
            let result = WebhookBody.payload(contentType: "application/x-www-form-urlencoded", body: Data(body.utf8))
            #expect(result == .success(json), "\(name)")
        }
    }

    @Test("a form-encoded payload decodes to the same event as the JSON body")
    func formPayloadDecodes() throws {
        let json = try WebhookFixtures.data("pull_request.labeled.json")
        let body = Data("payload=\(Self.formEncoded(json))".utf8)
        let payload = try WebhookBody.payload(
            contentType: "Application/X-WWW-Form-Urlencoded; charset=utf-8", body: body
        ).get()
        #expect(WebhookDecoder.decode(event: "pull_request", payload: payload)
            == WebhookDecoder.decode(event: "pull_request", payload: json))
    }

    @Test("'+' in a form value is a space and %2B a plus")
    func plusHandling() {
        let body = Data("payload=%7B%22a%22%3A%22x+y%2Bz%22%7D".utf8)
        let result = WebhookBody.payload(contentType: "application/x-www-form-urlencoded", body: body)
        #expect(result == .success(Data(#"{"a":"x y+z"}"#.utf8)))
    }

    @Test("a form without a payload field is refused", arguments: [
        "", "a=1&b=2", "payloads=%7B%7D", "xpayload=%7B%7D", "Payload=%7B%7D",
    ])
    func missingPayloadField(body: String) {
        #expect(WebhookBody.payload(contentType: "application/x-www-form-urlencoded", body: Data(body.utf8))
            == .failure(.missingPayloadField))
    }

    @Test("an empty payload field gives empty bytes, which the decoder rejects")
    func emptyPayloadField() throws {
        for body in ["payload=", "payload"] {
            let payload = try WebhookBody.payload(
                contentType: "application/x-www-form-urlencoded", body: Data(body.utf8)
            ).get()
            #expect(payload.isEmpty)
            #expect(!WebhookDecoder.isJSONObject(payload))
        }
    }

    @Test("a broken percent escape is refused", arguments: ["payload=%7", "payload=%zz", "payload=abc%", "pay%6=1"])
    func malformedEscape(body: String) {
        #expect(WebhookBody.payload(contentType: "application/x-www-form-urlencoded", body: Data(body.utf8))
            == .failure(.malformedFormEncoding))
    }
}
