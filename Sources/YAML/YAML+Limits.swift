extension YAML {
    /// How much one parse accepts, so untrusted YAML (a spec file from a pull request) cannot make
    /// the parser use unbounded memory or time. A plain value: safe to share between threads.
    public struct Limits: Sendable, Equatable {
        /// The most nodes one document may have once aliases are expanded (every scalar, sequence
        /// and mapping, keys included); beyond it parsing fails with `YAMLError.Kind.tooManyNodes`
        /// at the node that went past it. This is what stops "billion laughs" alias bombs: an
        /// alias counts as every node it copies.
        public var maximumNodes: Int
        /// The most bytes of input (UTF-8) accepted, or nil for no limit; beyond it parsing fails
        /// with `.inputTooLarge` at the first byte past the limit, before libyaml reads anything.
        public var maximumBytes: Int?
        /// The deepest nesting of collections accepted; beyond it parsing fails with `.tooDeep`.
        public var maximumDepth: Int

        public init(maximumNodes: Int = YAML.maximumNodeCount, maximumBytes: Int? = nil, maximumDepth: Int = YAML.maximumDepth) {
            self.maximumNodes = maximumNodes
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
        }
    }

    /// The error for `text` when it is longer than `limit` bytes: at the line and column of the
    /// first byte past the limit (columns count Unicode scalars, as libyaml's do).
    static func inputTooLarge(_ text: String, limit: Int) -> YAMLError? {
        let size = text.utf8.count
        guard size > limit else { return nil }
        var line = 1, column = 1
        for byte in text.utf8.prefix(limit) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLError(kind: .inputTooLarge, message: "the input is \(size) bytes, more than the limit of \(limit) bytes",
                         mark: YAMLMark(line: line, column: column))
    }
}
