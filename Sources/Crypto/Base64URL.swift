/// The URL-safe base64 alphabet of RFC 4648 section 5 (`-` and `_`), as JWTs use it (RFC 7515):
/// encoding writes no `=` padding. Pure functions: safe from several threads.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url text of `bytes`, without padding.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        var text: [UInt8] = []
        text.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            for shift in [18, 12, 6, 0] { text.append(alphabet[Int(group >> UInt32(shift) & 0x3f)]) }
            index += 3
        }
        switch input.count - index {
        case 1:
            let group = UInt32(input[index]) << 16
            text.append(alphabet[Int(group >> 18 & 0x3f)])
            text.append(alphabet[Int(group >> 12 & 0x3f)])
        case 2:
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            text.append(alphabet[Int(group >> 18 & 0x3f)])
            text.append(alphabet[Int(group >> 12 & 0x3f)])
            text.append(alphabet[Int(group >> 6 & 0x3f)])
        default:
            break
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of base64url `string`, or nil when it is not canonical base64url: a character
    /// outside the URL-safe alphabet (`+`, `/`, whitespace), an impossible length, or unused
    /// trailing bits that are not zero. Correct `=` padding is tolerated.
    public static func decode(_ string: some StringProtocol) -> [UInt8]? {
        var text = Array(string.utf8)
        if text.count % 4 == 0, let firstPad = text.firstIndex(of: UInt8(ascii: "=")) {
            let padding = text.count - firstPad
            guard padding <= 2, text[firstPad...].allSatisfy({ $0 == UInt8(ascii: "=") }) else { return nil }
            text.removeLast(padding)
            guard text.count % 4 != 0 else { return nil }
        }
        guard text.count % 4 != 1 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count * 3 / 4)
        var group: UInt32 = 0
        var bits = 0
        for character in text {
            guard let value = value(character) else { return nil }
            group = group << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: group >> UInt32(bits)))
                group &= (1 << UInt32(bits)) - 1
            }
        }
        guard group == 0 else { return nil }
        return bytes
    }

    private static func value(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
