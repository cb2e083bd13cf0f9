extension Redactor {
    /// The forms `secret` can take once encoded, besides itself (duplicates possible):
    ///
    /// - base64 and base64url: for each of the three byte alignments the secret can have inside a
    ///   larger encoded blob (starting at offset 0, 1 or 2 of a 3-byte group), the run of
    ///   characters that depend on the secret's bits alone. Only the 1–2 characters at each edge,
    ///   which mix in neighbouring bytes, are left visible.
    /// - percent-encoding with upper and lower hex digits, keeping RFC 3986 unreserved characters
    ///   (and, as common encoders do, `/` or `!*'()`), plus form encoding (space as `+`).
    /// - JSON string escaping as encoders write it: with or without `\/`, non-ASCII raw or as
    ///   `\uXXXX` (UTF-16), hex digits in either case, and `<>&'` and U+2028/2029 escaped
    ///   HTML-safely or not.
    /// - hex, lower and upper case.
    static func encodedForms(of secret: [UInt8]) -> [[UInt8]] {
        var forms: [[UInt8]] = []
        for alphabet in [base64Standard, base64URL] {
            for offset in 0..<3 {
                forms.append(base64Fragment(secret, offset: offset, alphabet: alphabet))
            }
        }
        for keep in ["", "/", "!*'()"] {
            for uppercase in [true, false] {
                forms.append(percentEncoded(secret, keeping: keep, uppercase: uppercase, spaceAsPlus: false))
            }
        }
        forms.append(percentEncoded(secret, keeping: "", uppercase: true, spaceAsPlus: true))
        if let text = String(validating: secret, as: UTF8.self) {
            for escapeSlash in [false, true] {
                for asciiOnly in [false, true] {
                    for uppercase in [false, true] {
                        for htmlSafe in [false, true] {
                            forms.append(jsonEscaped(text, escapeSlash: escapeSlash, asciiOnly: asciiOnly,
                                                     uppercase: uppercase, htmlSafe: htmlSafe))
                        }
                    }
                }
            }
        }
        forms.append(hex(secret, uppercase: false))
        forms.append(hex(secret, uppercase: true))
        return forms
    }

    static let base64Standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let base64URL = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The base64 characters that encode only bits of `secret` when it starts `offset` bytes into
    /// a 3-byte group: character `j` covers bits `6j..<6j+6` of the blob, so the stable ones run
    /// from `ceil(8 * offset / 6)` to `floor(8 * (offset + count) / 6)`.
    static func base64Fragment(_ secret: [UInt8], offset: Int, alphabet: [UInt8]) -> [UInt8] {
        let bytes = Array(repeating: UInt8(0), count: offset) + secret
        let first = (8 * offset + 5) / 6
        let end = 8 * bytes.count / 6
        guard first < end else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(end - first)
        for character in first..<end {
            let bit = 6 * character
            let byte = bit / 8, shift = bit % 8
            // Two bytes hold any 6-bit window; past the end is zero (never used: `end` excludes it).
            let pair = UInt16(bytes[byte]) << 8 | UInt16(byte + 1 < bytes.count ? bytes[byte + 1] : 0)
            out.append(alphabet[Int((pair >> (10 - shift)) & 0x3F)])
        }
        return out
    }

    static func percentEncoded(_ secret: [UInt8], keeping extra: String, uppercase: Bool, spaceAsPlus: Bool) -> [UInt8] {
        let keep = Set("-._~".utf8).union(extra.utf8)
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var out: [UInt8] = []
        for byte in secret {
            if isAlphanumeric(byte) || keep.contains(byte) {
                out.append(byte)
            } else if spaceAsPlus, byte == UInt8(ascii: " ") {
                out.append(UInt8(ascii: "+"))
            } else {
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            }
        }
        return out
    }

    static func jsonEscaped(_ text: String, escapeSlash: Bool, asciiOnly: Bool, uppercase: Bool, htmlSafe: Bool) -> [UInt8] {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var out: [UInt8] = []
        func unicodeEscape(_ unit: UInt16) {
            out += Array("\\u".utf8)
            for shift in stride(from: 12, through: 0, by: -4) { out.append(digits[Int((unit >> UInt16(shift)) & 0xF)]) }
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += Array("\\\"".utf8)
            case "\\": out += Array("\\\\".utf8)
            case "/" where escapeSlash: out += Array("\\/".utf8)
            case "\n": out += Array("\\n".utf8)
            case "\r": out += Array("\\r".utf8)
            case "\t": out += Array("\\t".utf8)
            case "\u{8}": out += Array("\\b".utf8)
            case "\u{C}": out += Array("\\f".utf8)
            case _ where htmlSafe && Self.htmlUnsafe.contains(scalar): unicodeEscape(UInt16(scalar.value))
            case _ where scalar.value < 0x20: unicodeEscape(UInt16(scalar.value))
            case _ where asciiOnly && scalar.value > 0x7F:
                for unit in String(scalar).utf16 { unicodeEscape(unit) }
            default: out += Array(String(scalar).utf8)
            }
        }
        return out
    }

    /// What HTML-safe JSON encoders (Go's `encoding/json`) write as `\uXXXX`.
    static let htmlUnsafe: Set<Unicode.Scalar> = ["<", ">", "&", "'", "\u{2028}", "\u{2029}"]

    static func hex(_ secret: [UInt8], uppercase: Bool) -> [UInt8] {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        return secret.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
