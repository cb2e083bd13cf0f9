/// An entry `TarArchive` cannot write, and why.
public struct TarArchiveError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
