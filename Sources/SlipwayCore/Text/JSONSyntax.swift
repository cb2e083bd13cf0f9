public import Foundation

/// A fast, allocation-free JSON (RFC 8259) syntax check, for the webhook edge: it answers "is
/// this the JSON it claims to be" at memory speed, without building any value. Strings must be
/// valid UTF-8; nesting is limited to `maximumDepth`.
public enum JSONSyntax {
    public static let maximumDepth = 512

    public struct Problem: Error, Equatable, CustomStringConvertible, Sendable {
        public let message: String
        /// Byte offset where the problem was found.
        public let offset: Int
        public var description: String { "\(message) at byte \(offset)" }

        public init(message: String, offset: Int) {
            self.message = message
            self.offset = offset
        }
    }

    /// Nil when `data` is one JSON object (surrounded by optional white space).
    public static func objectProblem(_ data: Data) -> Problem? {
        data.withUnsafeBytes { raw in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self))
            return scanner.document(requireObject: true)
        }
    }

    /// Nil when `data` is any one JSON value.
    public static func valueProblem(_ data: Data) -> Problem? {
        data.withUnsafeBytes { raw in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self))
            return scanner.document(requireObject: false)
        }
    }

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func document(requireObject: Bool) -> Problem? {
            skipSpace()
            if requireObject, peek != UInt8(ascii: "{") {
                return index >= bytes.count ? fail("empty body") : fail("expected a JSON object")
            }
            if let problem = value() { return problem }
            skipSpace()
            return index == bytes.count ? nil : fail("unexpected data after the JSON value")
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func fail(_ message: String) -> Problem { Problem(message: message, offset: index) }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        /// One value, iteratively: a stack of open containers (true: object, false: array).
        mutating func value() -> Problem? {
            var stack: [Bool] = []
            stack.reserveCapacity(16)
            // After a value inside a container: expect `,` or the closer.
            var needValue = true
            while true {
                skipSpace()
                if needValue {
                    guard let byte = peek else { return fail("unexpected end of input") }
                    switch byte {
                    case UInt8(ascii: "{"):
                        guard stack.count < JSONSyntax.maximumDepth else { return fail("nesting deeper than \(JSONSyntax.maximumDepth)") }
                        index += 1
                        skipSpace()
                        if peek == UInt8(ascii: "}") { index += 1; needValue = false; break }
                        stack.append(true)
                        if let problem = key() { return problem }
                        continue
                    case UInt8(ascii: "["):
                        guard stack.count < JSONSyntax.maximumDepth else { return fail("nesting deeper than \(JSONSyntax.maximumDepth)") }
                        index += 1
                        skipSpace()
                        if peek == UInt8(ascii: "]") { index += 1; needValue = false; break }
                        stack.append(false)
                        continue
                    case UInt8(ascii: "\""):
                        if let problem = string() { return problem }
                    case UInt8(ascii: "t"):
                        if let problem = literal("true") { return problem }
                    case UInt8(ascii: "f"):
                        if let problem = literal("false") { return problem }
                    case UInt8(ascii: "n"):
                        if let problem = literal("null") { return problem }
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        if let problem = number() { return problem }
                    default:
                        return fail("unexpected character")
                    }
                    needValue = false
                }
                guard let isObject = stack.last else { return nil }
                skipSpace()
                guard let byte = peek else { return fail("unexpected end of input") }
                if byte == UInt8(ascii: ",") {
                    index += 1
                    if isObject, let problem = key() { return problem }
                    needValue = true
                } else if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    index += 1
                    stack.removeLast()
                } else {
                    return fail(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
                }
            }
        }

        /// `"key" :` inside an object.
        mutating func key() -> Problem? {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { return fail("expected a string key") }
            if let problem = string() { return problem }
            skipSpace()
            guard peek == UInt8(ascii: ":") else { return fail("expected ':'") }
            index += 1
            return nil
        }

        mutating func literal(_ word: StaticString) -> Problem? {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return fail("unexpected end of input") }
            let start = word.utf8Start
            for offset in 0..<count where bytes[index + offset] != start[offset] {
                return fail("invalid literal")
            }
            index += count
            return nil
        }

        mutating func number() -> Problem? {
            if peek == UInt8(ascii: "-") { index += 1 }
            guard let first = peek, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return fail("invalid number") }
            index += 1
            if first != UInt8(ascii: "0") { digits() }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { return fail("invalid number") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { return fail("invalid number") }
            }
            return nil
        }

        @discardableResult
        mutating func digits() -> Int {
            let start = index
            while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }

        mutating func string() -> Problem? {
            index += 1 // opening quote
            while index < bytes.count {
                skipPlainBytes()
                guard index < bytes.count else { break }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { index += 1; return nil }
                if byte == UInt8(ascii: "\\") {
                    index += 1
                    guard let escape = peek else { break }
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        index += 1
                        for _ in 0..<4 {
                            guard let hex = peek, isHex(hex) else { return fail("invalid \\u escape") }
                            index += 1
                        }
                    default:
                        return fail("invalid escape")
                    }
                    continue
                }
                if byte < 0x20 { return fail("control character in string") }
                if byte < 0x80 { index += 1; continue }
                if let problem = utf8Sequence() { return problem }
            }
            return fail("unterminated string")
        }

        /// Skips printable ASCII that is neither `"` nor `\\`, eight bytes at a time (SWAR): the
        /// bulk of every webhook body.
        mutating func skipPlainBytes() {
            guard let base = bytes.baseAddress else { return }
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= bytes.count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                // A byte is "special" if it is zero after the xor (quote, backslash), below 0x20,
                // or has its high bit set (non-ASCII).
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | (word &- (ones &* 0x20)) | word
                if special & highs != 0 { break }
                index += 8
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return }
                index += 1
            }
        }

        /// One multi-byte UTF-8 sequence (no overlongs, no surrogates, at most U+10FFFF).
        mutating func utf8Sequence() -> Problem? {
            let lead = bytes[index]
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return fail("invalid UTF-8")
            }
            guard index + length <= bytes.count else { return fail("invalid UTF-8") }
            let second = bytes[index + 1]
            guard second >= low, second <= high else { return fail("invalid UTF-8") }
            for offset in 2..<max(2, length) where bytes[index + offset] & 0xC0 != 0x80 {
                return fail("invalid UTF-8")
            }
            index += length
            return nil
        }

        func isHex(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
        }
    }
}
