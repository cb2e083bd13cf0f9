public import Foundation

/// Anything whose bytes can be hashed, signed or verified without copying: `[UInt8]`,
/// `ArraySlice<UInt8>`, `Data`, and `String`/`Substring` (their UTF-8 bytes).
public protocol ByteInput {
    /// Calls `body` with a view of the bytes that is valid only during the call.
    func withByteBuffer<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ByteInput where Element == UInt8 {
    public func withByteBuffer<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension ArraySlice: ByteInput where Element == UInt8 {
    public func withByteBuffer<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension Data: ByteInput {
    public func withByteBuffer<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension String: ByteInput {
    /// The string's UTF-8 bytes (no terminating NUL).
    public func withByteBuffer<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return try Array(utf8).withUnsafeBytes(body)
    }
}

extension Substring: ByteInput {
    /// The substring's UTF-8 bytes (no terminating NUL).
    public func withByteBuffer<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return try Array(utf8).withUnsafeBytes(body)
    }
}

extension ByteInput {
    /// Like `withByteBuffer`, but the base address is never nil (a one-byte dummy stands in for an
    /// empty input), because some OpenSSL functions reject a NULL pointer even with length 0.
    func withNonNullBytes<R>(_ body: (UnsafeRawPointer, Int) throws -> R) rethrows -> R {
        try withByteBuffer { buffer in
            if let base = buffer.baseAddress, buffer.count > 0 {
                return try body(base, buffer.count)
            }
            var dummy: UInt8 = 0
            return try withUnsafeBytes(of: &dummy) { try body($0.baseAddress!, 0) }
        }
    }
}
