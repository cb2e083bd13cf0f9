internal import CCurl
import Foundation
import HTTPTypes

/// Gathers the status line's headers and the body while libcurl runs one transfer; touched only
/// by the thread running `curl_easy_perform`.
final class ResponseCollector {
    var headers = HTTPHeaders()
    var body = Data()
    /// The most body bytes kept; past it the transfer is aborted.
    let limit: Int
    /// Set when the body went past `limit`.
    private(set) var exceeded = false

    init(limit: Int) {
        self.limit = limit
    }

    /// Appends a piece of body; false (nothing kept) when it would go past the limit.
    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= limit - body.count else {
            exceeded = true
            return false
        }
        body.append(bytes.assumingMemoryBound(to: UInt8.self))
        return true
    }

    /// One header line as libcurl delivers it, CRLF included. Each `HTTP/` status line starts a
    /// new header set, which drops `100 Continue` and redirect responses' headers.
    func headerLine(_ bytes: UnsafeRawBufferPointer) {
        // Work on bytes: in a Swift String "\r\n" is one Character.
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
            return
        }
        guard !line.isEmpty else { return }
        if line.first == " " || line.first == "\t" {
            // An obsolete folded continuation line: part of the previous field's value.
            var fields = Array(headers)
            guard let last = fields.popLast() else { return }
            fields.append((name: last.name, value: last.value + " " + line.trimmingCharacters(in: .whitespaces)))
            headers = HTTPHeaders(fields)
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        headers.add(name, value)
    }
}

/// CURLOPT_WRITEFUNCTION: appends a piece of body; returns 0 (libcurl then aborts with
/// CURLE_WRITE_ERROR) when it would go past the collector's limit.
func slipwayCurlWriteBody(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?) -> Int {
    guard let context else { return 0 }
    let total = size * count
    guard total > 0, let data else { return total }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
    return collector.append(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

/// CURLOPT_HEADERFUNCTION: one complete header line per call.
func slipwayCurlWriteHeader(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?) -> Int {
    guard let context else { return 0 }
    let total = size * count
    guard total > 0, let data else { return total }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
    collector.headerLine(UnsafeRawBufferPointer(start: data, count: total))
    return total
}
