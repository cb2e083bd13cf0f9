internal import CGit2

/// A git object id (SHA-1, 20 bytes), e.g. a commit, tree or blob id.
///
/// Stored inline (no heap allocation), so sets and dictionaries of thousands of ids stay cheap.
/// A value type: safe to pass between threads.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    // The 20 bytes, big-endian: bytes 0-7, 8-15, 16-19. Comparing the words compares the bytes.
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    /// Parses 40 hexadecimal digits (either case). Returns nil for anything else.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 20)
        for index in 0..<20 {
            guard let upper = Self.nibble(utf8[2 * index]), let lower = Self.nibble(utf8[2 * index + 1]) else {
                return nil
            }
            bytes[index] = upper << 4 | lower
        }
        self.init(bytes: bytes)
    }

    /// The id from its 20 raw bytes; nil when `bytes` does not hold exactly 20.
    public init?<Bytes: Collection>(rawBytes bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == 20 else { return nil }
        self.init(bytes: Array(bytes))
    }

    private init(bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { ObjectID(raw: $0) }
    }

    /// Reads 20 bytes without allocating.
    private init(raw bytes: UnsafeRawBufferPointer) {
        var high: UInt64 = 0, middle: UInt64 = 0, low: UInt32 = 0
        for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
        for index in 8..<16 { middle = middle << 8 | UInt64(bytes[index]) }
        for index in 16..<20 { low = low << 8 | UInt32(bytes[index]) }
        self.high = high
        self.middle = middle
        self.low = low
    }

    /// The 20 raw bytes.
    public var rawBytes: [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(20)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: middle >> UInt64(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt32(shift))) }
        return bytes
    }

    /// The 40 lowercase hexadecimal digits.
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        let bytes = rawBytes
        return String(unsafeUninitializedCapacity: 40) { buffer in
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0f)]
            }
            return 40
        }
    }

    /// The first `length` hex digits (7 by default), for logs and messages.
    public func short(_ length: Int = 7) -> String { String(hex.prefix(length)) }

    public var description: String { hex }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension ObjectID {
    /// Copies libgit2's id.
    init(_ oid: git_oid) {
        self = withUnsafeBytes(of: oid.id) { ObjectID(raw: $0) }
    }

    /// Copies libgit2's id from a pointer that libgit2 guarantees non-NULL.
    init(_ oid: UnsafePointer<git_oid>) {
        self.init(oid.pointee)
    }

    /// The id as libgit2's struct.
    var gitOID: git_oid {
        var oid = git_oid()
        let bytes = rawBytes
        withUnsafeMutableBytes(of: &oid.id) { buffer in
            buffer.copyBytes(from: bytes)
        }
        return oid
    }
}
