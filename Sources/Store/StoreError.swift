/// A store failure, with the operation that failed and the backend's own message.
/// Never carries connection strings or passwords.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public init(operation: String, underlying: any Error) {
        self.operation = operation
        self.message = String(describing: underlying)
    }

    public var description: String { "store: \(operation): \(message)" }
}
