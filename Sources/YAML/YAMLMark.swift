/// A position in YAML text, 1-based (libyaml's marks are 0-based; this type has converted them).
/// `column` counts Unicode scalars from the start of the line, as libyaml does. A plain value:
/// safe to share between threads.
public struct YAMLMark: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column)" }
}
