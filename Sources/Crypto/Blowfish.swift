/// Blowfish's state (P-array and S-boxes) with the expensive key schedule of bcrypt
/// ("EksBlowfish", Provos and Mazières 1999). Only what `BCrypt` needs: OpenSSL has no bcrypt,
/// and its Blowfish API cannot run bcrypt's salted key schedule.
struct Blowfish {
    private var p: [UInt32]
    private var s: [UInt32]

    /// The initial state: the hex digits of pi.
    init() {
        p = Self.initialP
        s = Self.initialS
    }

    /// Encrypts one 64-bit block given as two big-endian halves.
    @inline(__always)
    func encrypt(_ left: inout UInt32, _ right: inout UInt32) {
        p.withUnsafeBufferPointer { p in
            s.withUnsafeBufferPointer { s in
                Self.encrypt(&left, &right, p, s)
            }
        }
    }

    @inline(__always)
    private static func encrypt(_ left: inout UInt32, _ right: inout UInt32, _ p: UnsafeBufferPointer<UInt32>, _ s: UnsafeBufferPointer<UInt32>) {
        var l = left, r = right
        for round in stride(from: 0, to: 16, by: 2) {
            l ^= p[round]
            r ^= feistel(l, s)
            r ^= p[round + 1]
            l ^= feistel(r, s)
        }
        l ^= p[16]
        r ^= p[17]
        left = r
        right = l
    }

    @inline(__always)
    private static func feistel(_ x: UInt32, _ s: UnsafeBufferPointer<UInt32>) -> UInt32 {
        let a = s[Int(x >> 24)], b = s[256 + Int((x >> 16) & 0xFF)]
        let c = s[512 + Int((x >> 8) & 0xFF)], d = s[768 + Int(x & 0xFF)]
        return ((a &+ b) ^ c) &+ d
    }

    /// bcrypt's ExpandKey(state, salt, key): XORs the key into the P-array, then replaces the
    /// P-array and S-boxes with successive encryptions, each block first XORed with the salt
    /// (cyclically) when one is given.
    mutating func expand(key: [UInt8], salt: [UInt8]?) {
        var keyOffset = 0
        for index in 0..<18 {
            p[index] ^= Self.word(key, &keyOffset)
        }
        var saltOffset = 0
        var left: UInt32 = 0, right: UInt32 = 0
        p.withUnsafeMutableBufferPointer { p in
            s.withUnsafeMutableBufferPointer { s in
                var index = 0
                while index < 18 {
                    if let salt {
                        left ^= Self.word(salt, &saltOffset)
                        right ^= Self.word(salt, &saltOffset)
                    }
                    Self.encrypt(&left, &right, UnsafeBufferPointer(p), UnsafeBufferPointer(s))
                    p[index] = left
                    p[index + 1] = right
                    index += 2
                }
                index = 0
                while index < 1024 {
                    if let salt {
                        left ^= Self.word(salt, &saltOffset)
                        right ^= Self.word(salt, &saltOffset)
                    }
                    Self.encrypt(&left, &right, UnsafeBufferPointer(p), UnsafeBufferPointer(s))
                    s[index] = left
                    s[index + 1] = right
                    index += 2
                }
            }
        }
    }

    /// The next four bytes of `data` (read cyclically) as a big-endian word.
    @inline(__always)
    private static func word(_ data: [UInt8], _ offset: inout Int) -> UInt32 {
        var word: UInt32 = 0
        for _ in 0..<4 {
            word = (word << 8) | UInt32(data[offset])
            offset = (offset + 1) % data.count
        }
        return word
    }
}
