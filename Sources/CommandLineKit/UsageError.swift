/// A mistake in how a command was called: printed with the command's usage, exit code 2.
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public let message: String
    /// The command path whose usage should be printed (`slipway serve`).
    public let commandPath: [String]

    public init(_ message: String, commandPath: [String] = []) {
        self.message = message
        self.commandPath = commandPath
    }

    public var description: String { message }
}
