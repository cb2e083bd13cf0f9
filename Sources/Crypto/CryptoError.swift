internal import COpenSSL

/// A failure reported by OpenSSL's libcrypto (or by the file I/O of `SHA256.hash(fileAt:)`).
///
/// `function` names the C function that failed; `code` is OpenSSL's packed error code from
/// `ERR_get_error` (the first error of the thread's queue; 0 when OpenSSL queued none), or the
/// `errno` value for file I/O; `reason` is OpenSSL's own text from `ERR_error_string_n` for every
/// queued error, or `strerror` for file I/O. Never contains key material, passphrases or PEM text.
/// A plain value: safe to pass between threads.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    public let function: String
    public let code: UInt
    public let reason: String

    public init(function: String, code: UInt, reason: String) {
        self.function = function
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(function) failed: \(reason)" }

    /// Drains this thread's OpenSSL error queue into an error for `function`.
    /// Call immediately after the failing call: the queue is per thread.
    static func openSSL(_ function: String) -> CryptoError {
        var first: UInt = 0
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            if first == 0 { first = code }
            var buffer = [CChar](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let reason = messages.isEmpty ? "no OpenSSL error queued" : messages.joined(separator: "; ")
        return CryptoError(function: function, code: first, reason: reason)
    }
}
