/// A runner failure said plainly, with the phase it belongs to. Never holds a secret value:
/// messages name variables, never their values.
public struct RunnerError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// An OS call that failed, with `errno` rendered.
    static func system(_ function: String, _ code: Int32, _ context: String = "") -> RunnerError {
        let text = String(cString: strerror(code))
        return RunnerError("\(function) failed\(context.isEmpty ? "" : " (\(context))"): \(text)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
