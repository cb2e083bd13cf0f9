internal import CZlib
public import Foundation

/// gzip (RFC 1952) through zlib: one member, deflate, no file name and a zero modification time,
/// so the same bytes always compress to the same bytes (`gzip -d` and `zcat` read the output).
///
/// Each call owns one `z_stream`, set up with `deflateInit2`/`inflateInit2` and released with
/// `deflateEnd`/`inflateEnd` before returning. Safe to call from several threads at once.
public enum Gzip {
    /// A zlib failure: the function, its return code and zlib's message.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public let function: String
        public let code: Int32
        public let message: String
        public var description: String { "\(function) failed (code \(code)): \(message)" }
    }

    /// `level` is zlib's 0 (store) to 9 (smallest).
    public static func compress(_ data: Data, level: Int32 = 9) throws(Gzip.Error) -> Data {
        var stream = z_stream()
        let initResult = slipway_deflate_init2(&stream, level, 31)
        guard initResult == Z_OK else { throw error("deflateInit2", initResult, stream) }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(data.count)))
        var output = Data(count: bound)
        var input = data
        let result: Int32 = input.withUnsafeMutableBytes { (inBytes: UnsafeMutableRawBufferPointer) -> Int32 in
            output.withUnsafeMutableBytes { (outBytes: UnsafeMutableRawBufferPointer) -> Int32 in
                stream.next_in = inBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(inBytes.count)
                stream.next_out = outBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outBytes.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else { throw error("deflate", result, stream) }
        output.count = Int(stream.total_out)
        return output
    }

    /// Decompresses one or more gzip members (as `gzip -d` does). `limit` caps the output size.
    public static func decompress(_ data: Data, limit: Int = 256 * 1024 * 1024) throws(Gzip.Error) -> Data {
        var stream = z_stream()
        let initResult = slipway_inflate_init2(&stream, 31)
        guard initResult == Z_OK else { throw error("inflateInit2", initResult, stream) }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = data
        var failure: Gzip.Error?
        input.withUnsafeMutableBytes { (inBytes: UnsafeMutableRawBufferPointer) in
            stream.next_in = inBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(inBytes.count)
            while true {
                let (result, produced) = chunk.withUnsafeMutableBytes { (outBytes: UnsafeMutableRawBufferPointer) -> (Int32, Int) in
                    stream.next_out = outBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(outBytes.count)
                    let result = inflate(&stream, Z_NO_FLUSH)
                    return (result, outBytes.count - Int(stream.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit {
                    failure = Gzip.Error(function: "inflate", code: Z_BUF_ERROR, message: "output larger than \(limit) bytes")
                    return
                }
                if result == Z_STREAM_END {
                    if stream.avail_in == 0 { return }
                    // Another member follows (concatenated gzip files).
                    let reset = inflateReset(&stream)
                    if reset != Z_OK { failure = error("inflateReset", reset, stream); return }
                    continue
                }
                if result != Z_OK {
                    failure = error("inflate", result, stream)
                    return
                }
                if stream.avail_in == 0 && produced == 0 {
                    failure = Gzip.Error(function: "inflate", code: Z_BUF_ERROR, message: "truncated gzip data")
                    return
                }
            }
        }
        if let failure { throw failure }
        return output
    }

    /// True when `data` starts with the gzip magic bytes.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    private static func error(_ function: String, _ code: Int32, _ stream: z_stream) -> Gzip.Error {
        Gzip.Error(function: function, code: code, message: stream.msg.map { String(cString: $0) } ?? "no message from zlib")
    }
}
