internal import CCurl
import Foundation

/// Owns one libcurl easy handle (`curl_easy_init` / `curl_easy_cleanup`), its header list
/// and resolve lists (`curl_slist_append` / `curl_slist_free_all`) and its error buffer, for one
/// request.
/// Not safe to share between threads: `HTTPClient` makes one per call.
final class EasyHandle {
    private let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// Fails with the `CURLcode` of a failing `curl_global_init`, or nil when `curl_easy_init`
    /// returned NULL.
    init() throws(SetupFailure) {
        let global = curlGlobalInit
        guard global == CURLE_OK.rawValue else { throw SetupFailure(function: "curl_global_init", code: global) }
        guard let handle = curl_easy_init() else { throw SetupFailure(function: "curl_easy_init", code: nil) }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        // Cannot fail for this option; the buffer lives as long as the handle.
        _ = slipway_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        curl_slist_free_all(resolveList)
        errorBuffer.deallocate()
    }

    /// A setup call that failed: the function or option and its code.
    struct SetupFailure: Error {
        let function: String
        let code: CURLcode.RawValue?
    }

    func set(_ option: CURLoption, _ value: Int, _ name: String) throws(SetupFailure) {
        try check(slipway_curl_easy_setopt_long(handle, option, value), name)
    }

    func set(_ option: CURLoption, offset value: Int64, _ name: String) throws(SetupFailure) {
        try check(slipway_curl_easy_setopt_off_t(handle, option, curl_off_t(value)), name)
    }

    /// For string options: libcurl copies the string.
    func set(_ option: CURLoption, _ value: String, _ name: String) throws(SetupFailure) {
        let code = value.withCString { slipway_curl_easy_setopt_pointer(handle, option, $0) }
        try check(code, name)
    }

    /// CURLOPT_POSTFIELDSIZE_LARGE then CURLOPT_COPYPOSTFIELDS: libcurl keeps its own copy.
    func setBody(_ body: Data) throws(SetupFailure) {
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count), "CURLOPT_POSTFIELDSIZE_LARGE")
        let code: CURLcode
        if body.isEmpty {
            code = "".withCString { slipway_curl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0) }
        } else {
            code = body.withUnsafeBytes { slipway_curl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        }
        try check(code, "CURLOPT_COPYPOSTFIELDS")
    }

    /// Replaces the request header list (lines such as `Name: value`, `Name;`, `Expect:`).
    func setHeaders(_ lines: [String]) throws(SetupFailure) {
        let list = try Self.makeList(lines)
        curl_slist_free_all(headerList)
        headerList = list
        try check(slipway_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "CURLOPT_HTTPHEADER")
    }

    /// Replaces the fixed name resolutions (`HOST:PORT:ADDRESS` entries, CURLOPT_RESOLVE).
    func setResolve(_ entries: [String]) throws(SetupFailure) {
        let list = try Self.makeList(entries)
        curl_slist_free_all(resolveList)
        resolveList = list
        try check(slipway_curl_easy_setopt_slist(handle, CURLOPT_RESOLVE, list), "CURLOPT_RESOLVE")
    }

    private static func makeList(_ lines: [String]) throws(SetupFailure) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw SetupFailure(function: "curl_slist_append", code: nil)
            }
            list = appended
        }
        return list
    }

    /// Installs the body and header callbacks, both receiving `collector` (kept alive by the caller
    /// until `perform` returns).
    func setCallbacks(_ collector: ResponseCollector) throws(SetupFailure) {
        let context = Unmanaged.passUnretained(collector).toOpaque()
        try check(slipway_curl_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, slipwayCurlWriteBody), "CURLOPT_WRITEFUNCTION")
        try check(slipway_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "CURLOPT_WRITEDATA")
        try check(slipway_curl_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, slipwayCurlWriteHeader), "CURLOPT_HEADERFUNCTION")
        try check(slipway_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "CURLOPT_HEADERDATA")
    }

    /// Runs the transfer (blocking); returns the `CURLcode`.
    func perform() -> CURLcode {
        errorBuffer[0] = 0
        return curl_easy_perform(handle)
    }

    /// The error buffer's text, else `curl_easy_strerror(code)`.
    func message(for code: CURLcode) -> String {
        if errorBuffer[0] != 0 {
            let text = String(decoding: UnsafeRawBufferPointer(start: errorBuffer, count: strlen(errorBuffer)), as: UTF8.self)
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return String(cString: curl_easy_strerror(code))
    }

    /// CURLINFO_RESPONSE_CODE (0 when no response arrived).
    var responseCode: Int {
        var value = 0
        return slipway_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &value) == CURLE_OK ? value : 0
    }

    /// Whether a connection was established (CURLINFO_CONNECT_TIME_T is non-zero).
    var connected: Bool {
        var value: curl_off_t = 0
        return slipway_curl_easy_getinfo_off_t(handle, CURLINFO_CONNECT_TIME_T, &value) == CURLE_OK && value > 0
    }

    private func check(_ code: CURLcode, _ name: String) throws(SetupFailure) {
        guard code == CURLE_OK else { throw SetupFailure(function: "curl_easy_setopt(\(name))", code: code.rawValue) }
    }
}

/// `curl_global_init`, run once per process on first use (a global is initialised exactly once,
/// thread-safely); its `CURLcode`.
private let curlGlobalInit: CURLcode.RawValue = curl_global_init(Int(CURL_GLOBAL_ALL)).rawValue
