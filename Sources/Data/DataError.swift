/// Why a snapshot or environment database operation failed. The message names what to fix
/// (table, column, rule, query, tool); it never holds a password, a conninfo's password or a
/// scanned value.
public struct DataError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
