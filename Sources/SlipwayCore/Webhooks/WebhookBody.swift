public import Foundation

/// Why `WebhookBody.payload(contentType:body:)` found no JSON payload in a request body.
///
/// A value type; safe to share between threads.
public enum WebhookBodyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `Content-Type` is neither `application/json` nor `application/x-www-form-urlencoded`
    /// (or is missing: `nil`). Answer 415.
    case unsupportedMediaType(String?)
    /// A form-encoded body without a `payload` field.
    case missingPayloadField
    /// A form-encoded body with a broken percent escape (`%` not followed by two hex digits).
    case malformedFormEncoding

    public var description: String {
        switch self {
        case .unsupportedMediaType(let type?):
            "unsupported content type \(WebhookDecoder.quoted(type)); expected application/json or application/x-www-form-urlencoded"
        case .unsupportedMediaType(nil):
            "missing content type; expected application/json or application/x-www-form-urlencoded"
        case .missingPayloadField:
            "form-encoded body has no 'payload' field"
        case .malformedFormEncoding:
            "form-encoded body has an invalid percent escape"
        }
    }
}

/// Finds the JSON payload in a webhook request body, for either content type a GitHub hook can be
/// configured with.
///
/// Pure; safe to call from several threads at once. The signature is verified by the caller over
/// the raw body, never over the payload this returns.
public enum WebhookBody {
    /// The JSON payload of a delivery.
    ///
    /// - `application/json` (any case, with or without parameters such as `; charset=utf-8`):
    ///   the body itself.
    /// - `application/x-www-form-urlencoded`: the bytes of the first `payload` field, with
    ///   percent escapes decoded and `+` read as a space.
    public static func payload(contentType: String?, body: Data) -> Result<Data, WebhookBodyError> {
        guard let contentType else { return .failure(.unsupportedMediaType(nil)) }
        switch mediaType(of: contentType) {
        case "application/json":
            return .success(body)
        case "application/x-www-form-urlencoded":
            return formField("payload", in: body)
        default:
            return .failure(.unsupportedMediaType(contentType))
        }
    }

    /// The media type without parameters, trimmed and lowercased: `Application/JSON; charset=utf-8`
    /// gives `application/json`.
    static func mediaType(of contentType: String) -> String {
        let bytes = Array(contentType.utf8.prefix { $0 != UInt8(ascii: ";") })
        // Trimmed of what `CharacterSet.whitespaces` holds in ASCII (space and tab); a header value
        // holds no other white space (MHD refuses CR and LF in it).
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(decoding: bytes[first...last].map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    private static func formField(_ name: String, in body: Data) -> Result<Data, WebhookBodyError> {
        let wanted = Array(name.utf8)
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = percentDecoded(parts[0]) else { return .failure(.malformedFormEncoding) }
            guard key == wanted else { continue }
            let value = parts.count > 1 ? parts[1] : Data()[...]
            guard let decoded = percentDecoded(value) else { return .failure(.malformedFormEncoding) }
            return .success(Data(decoded))
        }
        return .failure(.missingPayloadField)
    }

    /// Decodes `application/x-www-form-urlencoded` bytes: `+` is a space, `%XX` a byte.
    /// `nil` for a `%` not followed by two hex digits.
    static func percentDecoded(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue)
                else { return nil }
                output.append(high << 4 | low)
            default:
                output.append(byte)
            }
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
