internal import CCurl
import Foundation
import HTTPTypes

/// Gathers the status line's headers and the body while libcurl runs one transfer; touched only
/// by the thread running `curl_easy_perform`.
///
/// With a line sink, a 2xx body is not kept: it is cut into lines (at `\n`, a trailing `\r`
/// dropped, decoded as UTF-8 with replacement) handed to the sink as they complete, and `limit`
/// bounds one line instead of the whole body. Other statuses are collected as usual, so an error
/// body can be read whole.
final class ResponseCollector {
    var headers = HTTPHeaders()
    var body = Data()
    /// The status of the response being received (from its status line; 0 before one arrived).
    private(set) var status = 0
    /// The most body bytes kept (or, streaming, the longest line); past it the transfer is aborted.
    let limit: Int
    /// Set when the body (or one streamed line) went past `limit`.
    private(set) var exceeded = false
    /// Receives each line of a 2xx body when streaming.
    private let lineSink: ((String) throws -> Void)?
    /// What the line sink threw; the transfer was aborted then.
    private(set) var sinkError: (any Error)?
    /// The bytes of the current, incomplete line when streaming.
    private var pendingLine = Data()

    /// Whether 2xx bodies go to a line sink.
    var streams: Bool { lineSink != nil }
    /// Whether the body now arriving goes to the line sink.
    var isStreamingLines: Bool { lineSink != nil && (200..<300).contains(status) }

    init(limit: Int, lineSink: ((String) throws -> Void)? = nil) {
        self.limit = limit
        self.lineSink = lineSink
    }

    /// Appends a piece of body; false (nothing kept) when it would go past the limit or the line
    /// sink threw.
    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let lineSink, isStreamingLines {
            return appendLines(bytes, to: lineSink)
        }
        guard bytes.count <= limit - body.count else {
            exceeded = true
            return false
        }
        body.append(bytes.assumingMemoryBound(to: UInt8.self))
        return true
    }

    /// Hands the last line (one not ended by `\n`) to the sink; call once the transfer completed.
    /// False when the sink threw.
    func finishLines() -> Bool {
        guard let lineSink, !pendingLine.isEmpty else { return true }
        defer { pendingLine.removeAll() }
        return deliver(pendingLine[...], to: lineSink)
    }

    private func appendLines(_ bytes: UnsafeRawBufferPointer, to sink: (String) throws -> Void) -> Bool {
        var start = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<newline])
            guard piece.count <= limit - pendingLine.count else {
                exceeded = true
                return false
            }
            pendingLine.append(piece.assumingMemoryBound(to: UInt8.self))
            let line = pendingLine
            pendingLine.removeAll(keepingCapacity: true)
            guard deliver(line[...], to: sink) else { return false }
            start = newline + 1
        }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
        guard rest.count <= limit - pendingLine.count else {
            exceeded = true
            return false
        }
        pendingLine.append(rest.assumingMemoryBound(to: UInt8.self))
        return true
    }

    private func deliver(_ line: Data.SubSequence, to sink: (String) throws -> Void) -> Bool {
        var bytes = line
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        do {
            try sink(String(decoding: bytes, as: UTF8.self))
            return true
        } catch {
            sinkError = error
            return false
        }
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
            // `HTTP/1.1 200 OK`, `HTTP/2 200`.
            let parts = line.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
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
