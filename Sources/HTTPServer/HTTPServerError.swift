/// A failure to start the server: the failing function, the system or library code (an `errno`
/// value, or 0 when there is none) and its message.
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    /// The function that failed, e.g. `MHD_start_daemon`.
    public let function: String
    /// The `errno` value read right after the failure, or 0.
    public let code: Int32
    public let message: String

    public init(function: String, code: Int32, message: String) {
        self.function = function
        self.code = code
        self.message = message
    }

    public var description: String {
        code == 0 ? "\(function) failed: \(message)" : "\(function) failed (errno \(code)): \(message)"
    }
}
