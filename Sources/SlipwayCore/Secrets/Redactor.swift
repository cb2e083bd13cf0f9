/// Replaces every known secret value with `***` in text that leaves the process (logs, evidence,
/// comments, error messages) — the secret itself and the forms it takes once encoded: base64 and
/// base64url (at any byte alignment inside a larger blob), percent-encoding, JSON string escaping
/// and hex (see `Redactor+Encodings.swift`). With `redactsTokenShapes`, anything shaped like a
/// GitHub token or a JWT is masked too, registered or not (see `TokenShape`).
///
/// Length rules: a secret shorter than `minimumSecretLength` (4) UTF-8 bytes once surrounding
/// whitespace is trimmed is ignored — it would
/// mangle ordinary text and cannot be a meaningful secret; an encoded form shorter than
/// `minimumEncodedLength` (6) characters is not looked for. So every secret of 5 bytes or more is
/// masked in every form; a 4-byte secret is masked raw, hex, percent- and JSON-encoded but not in
/// base64.
///
/// Matching works on UTF-8 bytes with a first-byte table, so the cost grows with the text, not
/// with the number of forms. `redact(_:final:)` serves streams (`RedactingLogWriter`): it leaves
/// undecided a tail that could still become a match. A value type: safe to share.
public struct Redactor: Sendable, Equatable {
    public static let mask = "***"
    /// Secrets shorter than this many UTF-8 bytes are not registered.
    public static let minimumSecretLength = 4
    /// Encoded forms shorter than this many bytes are not looked for.
    public static let minimumEncodedLength = 6

    /// The registered secrets (and their trimmed copies), longest first.
    public private(set) var secrets: [String]
    /// Whether GitHub-token-shaped and JWT-shaped strings are masked even when not registered.
    public var redactsTokenShapes: Bool
    /// Secrets learned at run time (installation tokens), shared by reference between copies:
    /// masked as they are (they are token-shaped too, so `redactsTokenShapes` also catches them).
    public var learned: LearnedSecrets?
    /// Every byte string masked: each secret and each of its encoded forms, longest first.
    public private(set) var patterns: [[UInt8]]
    /// For each first byte, the indexes into `patterns` that start with it (longest first).
    private var candidates: [[Int]]

    public init(secrets: [String] = [], redactTokenShapes: Bool = false) {
        self.secrets = []
        self.redactsTokenShapes = redactTokenShapes
        patterns = []
        candidates = Array(repeating: [], count: 256)
        for secret in secrets { add(secret) }
    }

    /// Adds a secret and its encoded forms (longest first, so a secret containing another is
    /// masked whole).
    public mutating func add(_ secret: String) {
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        // Surrounding whitespace does not count: "      " must not mask indentation.
        guard trimmed.utf8.count >= Self.minimumSecretLength else { return }
        var added = false
        for value in [secret, trimmed] where !secrets.contains(value) {
            secrets.append(value)
            added = true
        }
        guard added else { return }
        secrets.sort { $0.utf8.count > $1.utf8.count }
        var all = Set<[UInt8]>()
        for value in secrets {
            let bytes = Array(value.utf8)
            all.insert(bytes)
            for form in Self.encodedForms(of: bytes) where form.count >= Self.minimumEncodedLength {
                all.insert(form)
            }
        }
        patterns = all.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
        candidates = Array(repeating: [], count: 256)
        for (index, pattern) in patterns.enumerated() {
            candidates[Int(pattern[0])].append(index)
        }
    }

    /// `text` with every secret, encoded secret and (if enabled) token shape replaced by `***`.
    public func redact(_ text: String) -> String {
        var text = text
        if let late = learned?.secrets, !late.isEmpty {
            for secret in late where text.contains(secret) {
                text = text.replacingOccurrences(of: secret, with: Self.mask)
            }
        }
        guard !patterns.isEmpty || redactsTokenShapes else { return text }
        var output: [UInt8] = []
        let masked: Bool
        if let contiguous = text.utf8.withContiguousStorageIfAvailable({ scan($0, final: true, into: &output).masked }) {
            masked = contiguous
        } else {
            masked = Array(text.utf8).withUnsafeBufferPointer { scan($0, final: true, into: &output).masked }
        }
        return masked ? String(decoding: output, as: UTF8.self) : text
    }

    /// Redacts a piece of a stream. Returns the redacted output for the first `consumed` bytes of
    /// `bytes`; the rest (a tail that may still become a match once more bytes arrive) must be
    /// passed again with what follows. With `final` everything is decided (`consumed` is the whole
    /// count). The tail left undecided is never longer than the longest pattern, or
    /// `TokenShape.maximumLength` with token shapes on.
    public func redact(_ bytes: [UInt8], final: Bool) -> (output: [UInt8], consumed: Int) {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        let consumed = bytes.withUnsafeBufferPointer { scan($0, final: final, into: &output).consumed }
        return (output, consumed)
    }

    /// The scanner behind both `redact` methods: copies `text` into `output` with matches masked,
    /// stopping early (unless `final`) where a match cannot be decided yet.
    private func scan(_ text: UnsafeBufferPointer<UInt8>, final: Bool, into output: inout [UInt8]) -> (consumed: Int, masked: Bool) {
        let count = text.count
        let mask = Array(Self.mask.utf8)
        var index = 0, copied = 0
        var masked = false
        var shapes = TokenShape.Scanner()
        // Bytes that can start a match; runs of other bytes are skipped in a tight loop (a step
        // printing gigabytes of plain output costs a table lookup per byte).
        var starts = [Bool](repeating: false, count: 256)
        for (byte, list) in candidates.enumerated() where !list.isEmpty { starts[byte] = true }
        if redactsTokenShapes {
            starts[Int(UInt8(ascii: "g"))] = true
            starts[Int(UInt8(ascii: "e"))] = true
        }
        scanning: while index < count {
            if let base = text.baseAddress {
                starts.withUnsafeBufferPointer { table in
                    while index < count, !table[Int(base[index])] { index += 1 }
                }
                if index == count { break }
            }
            var length = 0
            for candidate in candidates[Int(text[index])] {
                let pattern = patterns[candidate]
                if index + pattern.count <= count {
                    if Self.matches(pattern, text, at: index, upTo: index + pattern.count) {
                        length = pattern.count
                        break
                    }
                } else if !final, Self.matches(pattern, text, at: index, upTo: count) {
                    // A longer pattern may still match once more bytes arrive.
                    break scanning
                }
            }
            if redactsTokenShapes {
                switch shapes.match(text, at: index, final: final) {
                case .undecided: break scanning
                case .match(let shapeLength): length = max(length, shapeLength)
                case .none: break
                }
            }
            if length > 0 {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied..<index]))
                output.append(contentsOf: mask)
                index += length
                copied = index
                masked = true
            } else {
                index += 1
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied..<index]))
        return (index, masked)
    }

    /// Whether `text[start..<end]` equals the same-length prefix of `pattern`.
    private static func matches(_ pattern: [UInt8], _ text: UnsafeBufferPointer<UInt8>, at start: Int, upTo end: Int) -> Bool {
        var offset = 0
        while start + offset < end {
            if pattern[offset] != text[start + offset] { return false }
            offset += 1
        }
        return true
    }
}

extension Redactor {
    public static func == (lhs: Redactor, rhs: Redactor) -> Bool {
        lhs.secrets == rhs.secrets && lhs.redactsTokenShapes == rhs.redactsTokenShapes && lhs.learned === rhs.learned
    }
}

extension Redactor {
    /// `scheme://user:password@host/...` becomes `scheme://user:***@host/...`, and a userinfo with
    /// no password (a token given as the user, `https://TOKEN@github.com`) becomes `***`: URLs in
    /// messages never carry credentials.
    public static func maskingURLCredentials(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let hostEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<hostEnd].lastIndex(of: "@") else { return text }
        var result = text
        if let colon = rest[..<at].firstIndex(of: ":") {
            result.replaceSubrange(rest.index(after: colon)..<at, with: mask)
        } else {
            result.replaceSubrange(scheme.upperBound..<at, with: mask)
        }
        return result
    }
}
