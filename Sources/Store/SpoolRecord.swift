import Foundation

/// A journaled delivery as the spool holds it: the delivery's row (everything but the body) and
/// its body, in one self-describing record, so a delivery answered `202` before its row
/// committed is found again at the next start (`SQLiteStore` indexes the spool's tail past its
/// watermark).
///
/// Layout (integers little-endian):
///
///     "SWR1" | u32 meta length | u32 body length | meta | body
///     meta:  f64 received_at | u8 flags (1: content type, 2: body hash) |
///            str id | str event | [str content type] | str headers JSON | [str body hash]
///     str:   u32 length | UTF-8 bytes
///
/// A record cut short (the process killed inside `write(2)`) is recognised by its lengths and
/// ends the segment's scan; it was never answered `202`.
struct SpoolRecord: Sendable, Equatable {
    static let magic: [UInt8] = Array("SWR1".utf8)
    static let headerSize = 12

    var id: String
    var event: String
    var receivedAt: Date
    var contentType: String?
    /// The kept request headers, as the row's JSON column.
    var headers: String
    var bodySize: Int
    var bodySHA256: String?

    /// The record's bytes before the body: the fixed header and the meta.
    func prefix() -> [UInt8] {
        var meta: [UInt8] = []
        meta.reserveCapacity(64 + id.utf8.count + event.utf8.count + headers.utf8.count + (bodySHA256?.utf8.count ?? 0))
        Self.put(receivedAt.timeIntervalSince1970.bitPattern, into: &meta)
        meta.append((contentType == nil ? 0 : 1) | (bodySHA256 == nil ? 0 : 2))
        Self.put(id, into: &meta)
        Self.put(event, into: &meta)
        if let contentType { Self.put(contentType, into: &meta) }
        Self.put(headers, into: &meta)
        if let bodySHA256 { Self.put(bodySHA256, into: &meta) }
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + meta.count)
        Self.put(UInt32(meta.count), into: &bytes)
        Self.put(UInt32(bodySize), into: &bytes)
        bytes += meta
        return bytes
    }

    /// The meta and body lengths a record's fixed header declares; nil when `header` (at least
    /// `headerSize` bytes) does not start a record.
    static func lengths(header: UnsafeRawBufferPointer) -> (meta: Int, body: Int)? {
        guard header.count >= headerSize, header[0] == magic[0], header[1] == magic[1], header[2] == magic[2], header[3] == magic[3]
        else { return nil }
        let meta = Int(readUInt32(header, 4))
        guard meta >= 9 + 8 else { return nil }
        return (meta, Int(readUInt32(header, 8)))
    }

    /// The record whose meta is `meta` and whose body has `bodySize` bytes; nil when the meta
    /// is not one.
    static func parse(meta: UnsafeRawBufferPointer, bodySize: Int) -> SpoolRecord? {
        var cursor = 0
        let metaEnd = meta.count
        func string() -> String? {
            guard cursor + 4 <= metaEnd else { return nil }
            let length = Int(readUInt32(meta, cursor))
            cursor += 4
            guard length <= metaEnd - cursor else { return nil }
            defer { cursor += length }
            return String(validating: UnsafeRawBufferPointer(rebasing: meta[cursor..<cursor + length]), as: UTF8.self)
        }
        guard metaEnd >= 9 else { return nil }
        var bits: UInt64 = 0
        for index in 0..<8 { bits |= UInt64(meta[index]) << (8 * index) }
        let flags = meta[8]
        cursor = 9
        guard let id = string(), let event = string() else { return nil }
        var contentType: String?
        if flags & 1 != 0 {
            guard let value = string() else { return nil }
            contentType = value
        }
        guard let headers = string() else { return nil }
        var hash: String?
        if flags & 2 != 0 {
            guard let value = string() else { return nil }
            hash = value
        }
        guard cursor == metaEnd else { return nil }
        return SpoolRecord(id: id, event: event, receivedAt: Date(timeIntervalSince1970: Double(bitPattern: bits)),
                           contentType: contentType, headers: headers, bodySize: bodySize, bodySHA256: hash)
    }

    private static func readUInt32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    private static func put(_ value: UInt32, into bytes: inout [UInt8]) {
        for index in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }

    private static func put(_ value: UInt64, into bytes: inout [UInt8]) {
        for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }

    private static func put(_ value: String, into bytes: inout [UInt8]) {
        put(UInt32(value.utf8.count), into: &bytes)
        bytes.append(contentsOf: value.utf8)
    }
}
