internal import CMicroHTTPD
import Foundation
import HTTPTypes

// libmicrohttpd's callbacks, as file-scope functions (C function pointers cannot capture). They
// run on the daemon's worker threads; `cls` is always the unretained `ServerCore`.

/// URI log callback: the first thing MHD calls for a request (after its first line). Creates the
/// per-request state, which MHD then hands to the access handler and the completion callback.
func slipwayRequestStarted(
    cls: UnsafeMutableRawPointer?, uri: UnsafePointer<CChar>?, connection: OpaquePointer?
) -> UnsafeMutableRawPointer? {
    guard let cls else { return nil }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    core.inFlight.begin()
    let target = uri.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } ?? "/"
    return Unmanaged.passRetained(RequestState(target: target)).toOpaque()
}

/// Completion callback: runs once per request that reached the URI log callback, after the
/// response was sent or when the connection failed, timed out or was closed by the client.
func slipwayRequestCompleted(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
    requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, reason: MHD_RequestTerminationCode
) {
    guard let cls else { return }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    if let requestContext, let state = requestContext.pointee {
        let request = Unmanaged<RequestState>.fromOpaque(state)
        request.takeUnretainedValue().releaseReservation(core.bodyBudget)
        request.release()
        requestContext.pointee = nil
        core.inFlight.end()
    }
}

/// Access handler: called once when the headers are in, once per piece of body, and once more
/// (with no data) when the request is complete.
func slipwayAccessHandler(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
    url: UnsafePointer<CChar>?, method: UnsafePointer<CChar>?, version: UnsafePointer<CChar>?,
    uploadData: UnsafePointer<CChar>?, uploadDataSize: UnsafeMutablePointer<Int>?,
    requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let cls, let connection, let uploadDataSize, let requestContext, let context = requestContext.pointee else {
        return .NO
    }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    let state = Unmanaged<RequestState>.fromOpaque(context).takeUnretainedValue()
    let size = uploadDataSize.pointee

    switch state.phase {
    case .started:
        state.phase = .readingBody
        if let declared = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length"),
           let length = contentLength(declared)
        {
            if length > core.maxBodySize {
                // Answer before reading any of the body; MHD then closes the connection.
                state.phase = .answered
                return queue(payloadTooLarge(core), on: connection, close: true)
            }
            guard core.bodyBudget.reserve(length) else {
                // Too many bodies in flight: refuse before reading this one.
                state.phase = .answered
                return queue(overBudget(), on: connection, close: true)
            }
            state.reserved = length
            state.body.reserveCapacity(min(length, 1 << 20))
        }
        if size == 0 { return .YES }
        return receive(uploadData, size, uploadDataSize, state, core)

    case .rejected(let rejection, _):
        if size > 0 {
            return receive(uploadData, size, uploadDataSize, state, core)
        }
        state.phase = .answered
        switch rejection {
        case .tooLarge: return queue(payloadTooLarge(core), on: connection, close: true)
        case .overBudget: return queue(overBudget(), on: connection, close: true)
        }

    case .readingBody:
        if size > 0 {
            return receive(uploadData, size, uploadDataSize, state, core)
        }
        state.phase = .answered
        let request = HTTPRequest(
            method: method.map { String(cString: $0) } ?? "GET",
            path: url.map { String(cString: $0) } ?? "/",
            query: state.query,
            headers: requestHeaders(connection),
            body: state.body,
            remoteAddress: clientAddress(connection)
        )
        state.body = Data()
        let response = core.handler(request)
        // The handler is done with the body: its bytes leave the budget.
        state.releaseReservation(core.bodyBudget)
        return queue(response, on: connection, close: core.stopping.load(ordering: .acquiring))

    case .answered:
        // A response is already queued (e.g. an early 413): drop whatever still arrives.
        uploadDataSize.pointee = 0
        return .YES
    }
}

/// Appends one piece of body. Past the size limit, or when a chunked body's next piece does not
/// fit in the budget for bodies in flight, the body is dropped instead: libmicrohttpd 0.9.75
/// refuses a response queued while a body is being read, so the 413 or 503 is queued once the body
/// ends (`.rejected`), and a body that goes on for more than another `maxBodySize` bytes makes the
/// connection close without an answer (MHD_NO).
private func receive(
    _ data: UnsafePointer<CChar>?, _ size: Int, _ sizePointer: UnsafeMutablePointer<Int>,
    _ state: RequestState, _ core: ServerCore
) -> MHD_Result {
    sizePointer.pointee = 0
    if case .rejected(let rejection, let dropped) = state.phase {
        guard dropped + size <= core.maxBodySize else { return .NO }
        state.phase = .rejected(rejection, dropped: dropped + size)
        return .YES
    }
    let total = state.body.count + size
    guard total <= core.maxBodySize else {
        state.phase = .rejected(.tooLarge, dropped: total - core.maxBodySize)
        state.body = Data()
        state.releaseReservation(core.bodyBudget)
        return .YES
    }
    if total > state.reserved {
        // A chunked body (no declared length) reserves each piece as it comes.
        guard core.bodyBudget.reserve(total - state.reserved) else {
            state.phase = .rejected(.overBudget, dropped: total)
            state.body = Data()
            state.releaseReservation(core.bodyBudget)
            return .YES
        }
        state.reserved = total
    }
    if let data {
        UnsafeRawPointer(data).withMemoryRebound(to: UInt8.self, capacity: size) { state.body.append($0, count: size) }
    }
    return .YES
}

/// A `Content-Length` value: decimal digits, with spaces or tabs around them; nil for anything
/// else or a number too large for `Int`.
func contentLength(_ value: UnsafePointer<CChar>) -> Int? {
    let bytes = UnsafeRawBufferPointer(start: value, count: strlen(value))
    let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
    guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) }) else {
        return nil
    }
    let digits = bytes[first...last]
    guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return Int(String(decoding: digits, as: UTF8.self))  // nil when too large
}

/// 503 for a request whose body does not fit in the budget for bodies in flight.
private func overBudget() -> HTTPResponse {
    var response = HTTPResponse(status: 503, body: "too many request bodies in flight; retry later\n")
    response.headers.add("Retry-After", "1")
    return response
}

private func payloadTooLarge(_ core: ServerCore) -> HTTPResponse {
    HTTPResponse(status: 413, body: "request body larger than \(core.maxBodySize) bytes\n")
}

/// Queues `response` with a copy of its body; `close` adds `Connection: close`.
private func queue(_ response: HTTPResponse, on connection: OpaquePointer, close: Bool) -> MHD_Result {
    let created: OpaquePointer? = response.body.withUnsafeBytes { bytes in
        MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
    }
    guard let mhdResponse = created else { return .NO }
    defer { MHD_destroy_response(mhdResponse) }
    for (name, value) in response.headers {
        // MHD computes the framing itself; it also rejects names or values with CR/LF.
        if HTTPHeaders.sameName(name, "Content-Length") || HTTPHeaders.sameName(name, "Transfer-Encoding") {
            continue
        }
        _ = MHD_add_response_header(mhdResponse, name, value)
    }
    if close {
        _ = MHD_add_response_header(mhdResponse, "Connection", "close")
    }
    let status = (100...999).contains(response.status) ? UInt32(response.status) : 500
    return MHD_queue_response(connection, status, mhdResponse)
}

/// Collects the request header fields in the order received.
private final class HeaderCollector {
    var headers = HTTPHeaders()
}

private func collectHeader(
    cls: UnsafeMutableRawPointer?, kind: MHD_ValueKind, key: UnsafePointer<CChar>?, value: UnsafePointer<CChar>?
) -> MHD_Result {
    guard let cls, let key else { return .YES }
    let collector = Unmanaged<HeaderCollector>.fromOpaque(cls).takeUnretainedValue()
    collector.headers.add(String(cString: key), value.map { String(cString: $0) } ?? "")
    return .YES
}

private func requestHeaders(_ connection: OpaquePointer) -> HTTPHeaders {
    let collector = HeaderCollector()
    withExtendedLifetime(collector) {
        _ = MHD_get_connection_values(connection, .HEADER_KIND, collectHeader, Unmanaged.passUnretained(collector).toOpaque())
    }
    return collector.headers
}

private func clientAddress(_ connection: OpaquePointer) -> String? {
    var buffer = [CChar](repeating: 0, count: 64)
    guard slipway_mhd_client_address(connection, &buffer, socklen_t(buffer.count)) == 0 else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
