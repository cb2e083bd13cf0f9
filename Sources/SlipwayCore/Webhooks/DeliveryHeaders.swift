/// Why `DeliveryHeaders.parse(_:)` refused a delivery's headers. The offending value is never
/// repeated in the message: it may be anything and ends up in logs.
///
/// A value type; safe to share between threads.
public enum DeliveryHeaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A required header is absent or empty. Carries the header's name.
    case missingHeader(String)
    /// A header has a value Slipway does not accept. Carries the header's name and why.
    case invalidHeader(String, reason: String)

    public var description: String {
        switch self {
        case .missingHeader(let name): "missing required header \(name)"
        case .invalidHeader(let name, let reason): "invalid header \(name): \(reason)"
        }
    }
}

/// The `X-GitHub-*` headers of a webhook delivery.
///
/// A value type; safe to share between threads.
public struct DeliveryHeaders: Sendable, Equatable {
    public static let deliveryHeader = "X-GitHub-Delivery"
    public static let eventHeader = "X-GitHub-Event"
    public static let signature256Header = "X-Hub-Signature-256"
    public static let hookIDHeader = "X-GitHub-Hook-ID"
    public static let userAgentHeader = "User-Agent"
    public static let targetTypeHeader = "X-GitHub-Hook-Installation-Target-Type"
    public static let targetIDHeader = "X-GitHub-Hook-Installation-Target-ID"

    /// The longest delivery id accepted.
    public static let maximumDeliveryIDLength = 200

    /// The delivery's GUID (`X-GitHub-Delivery`); a redelivery repeats it, so it identifies
    /// duplicates. Checked to be 1...200 characters of `A-Z a-z 0-9 . _ : -`, so it is safe in
    /// logs and file names.
    public var deliveryID: String
    /// The event name (`X-GitHub-Event`), e.g. `pull_request`; `[A-Za-z0-9_.-]`, at most 100.
    public var event: String
    /// `sha256=<hex>` (`X-Hub-Signature-256`); absent when the hook has no secret.
    public var signature256: String?
    /// The hook's id (`X-GitHub-Hook-ID`), kept as the opaque string GitHub sends.
    public var hookID: String?
    /// `GitHub-Hookshot/<build>` for real deliveries (`User-Agent`).
    public var userAgent: String?
    /// `X-GitHub-Hook-Installation-Target-Type`, e.g. `repository` or `integration`; opaque.
    public var installationTargetType: String?
    /// `X-GitHub-Hook-Installation-Target-ID`; opaque.
    public var installationTargetID: String?

    public init(
        deliveryID: String, event: String, signature256: String? = nil, hookID: String? = nil,
        userAgent: String? = nil, installationTargetType: String? = nil, installationTargetID: String? = nil
    ) {
        self.deliveryID = deliveryID
        self.event = event
        self.signature256 = signature256
        self.hookID = hookID
        self.userAgent = userAgent
        self.installationTargetType = installationTargetType
        self.installationTargetID = installationTargetID
    }

    /// Reads the delivery headers through `lookup`, which is called with the canonical header
    /// names above (`X-GitHub-Delivery`, ...) and must match them case-insensitively, as HTTP
    /// header names are (proxies deliver `X-Github-Event`). Values are trimmed of surrounding
    /// spaces and tabs; an empty value counts as missing.
    ///
    /// Fails when the delivery id or the event header is missing, when the delivery id is not
    /// 1...200 characters of `A-Z a-z 0-9 . _ : -`, or when the event name is not 1...100
    /// characters of `A-Z a-z 0-9 _ . -`.
    public static func parse(_ lookup: (String) -> String?) -> Result<DeliveryHeaders, DeliveryHeaderError> {
        func value(_ name: String) -> String? {
            guard let raw = lookup(name) else { return nil }
            let trimmed = raw.trimmingSpacesAndTabs()
            return trimmed.isEmpty ? nil : trimmed
        }
        guard let deliveryID = value(deliveryHeader) else { return .failure(.missingHeader(deliveryHeader)) }
        guard let event = value(eventHeader) else { return .failure(.missingHeader(eventHeader)) }
        guard isValidDeliveryID(deliveryID) else {
            return .failure(.invalidHeader(
                deliveryHeader,
                reason: "must be 1 to \(maximumDeliveryIDLength) characters of A-Z a-z 0-9 . _ : -"))
        }
        guard event.utf8.count <= 100, event.utf8.allSatisfy({ isAlphanumeric($0) || "_.-".utf8.contains($0) }) else {
            return .failure(.invalidHeader(eventHeader, reason: "must be 1 to 100 characters of A-Z a-z 0-9 _ . -"))
        }
        return .success(DeliveryHeaders(
            deliveryID: deliveryID, event: event, signature256: value(signature256Header),
            hookID: value(hookIDHeader), userAgent: value(userAgentHeader),
            installationTargetType: value(targetTypeHeader), installationTargetID: value(targetIDHeader)))
    }

    /// Whether `id` is an acceptable delivery id: 1...200 characters of `A-Z a-z 0-9 . _ : -`.
    public static func isValidDeliveryID(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= maximumDeliveryIDLength
            && bytes.allSatisfy { isAlphanumeric($0) || "._:-".utf8.contains($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            false
        }
    }
}

extension String {
    fileprivate func trimmingSpacesAndTabs() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isBlank($0) }), let end = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
