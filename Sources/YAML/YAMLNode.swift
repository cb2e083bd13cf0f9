/// One node of a parsed YAML document: a scalar, a sequence or a mapping, with the position where
/// it starts, its explicit tag and its anchor. A plain value: safe to share between threads.
///
/// An alias is replaced by a copy of the node its anchor names, marks and anchor included (the
/// marks then point at the anchored definition). Merge keys (`<<: *base`) are already expanded.
public struct YAMLNode: Sendable, Equatable {
    /// How a scalar was written. Only `plain` scalars are resolved to null, bool, int and double.
    public enum ScalarStyle: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public enum Kind: Sendable, Equatable {
        case scalar(String, style: ScalarStyle)
        case sequence([YAMLNode])
        /// Pairs in document order; duplicate keys are kept so a validator can report them.
        case mapping([YAMLPair])
    }

    public var kind: Kind
    /// Where the node starts (its anchor or tag, if it has one, else its content).
    public var mark: YAMLMark
    /// The explicit tag as libyaml resolved it (`!!str` is `tag:yaml.org,2002:str`), nil if none.
    public var tag: String?
    /// The anchor name (`&name`) without the `&`, nil if none.
    public var anchor: String?

    public init(kind: Kind, mark: YAMLMark, tag: String? = nil, anchor: String? = nil) {
        self.kind = kind
        self.mark = mark
        self.tag = tag
        self.anchor = anchor
    }

    /// "scalar", "sequence" or "mapping", for error messages.
    public var kindName: String {
        switch kind {
        case .scalar: "scalar"
        case .sequence: "sequence"
        case .mapping: "mapping"
        }
    }

    /// The text of a scalar, whatever its style; nil for collections.
    public var string: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    /// The items of a sequence; nil for other kinds.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The pairs of a mapping in document order; nil for other kinds.
    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// The value of the first pair whose key is a scalar with text `key`; nil if there is none or
    /// this is not a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.string == key }?.value
    }
}

/// One key/value pair of a mapping. A plain value: safe to share between threads.
public struct YAMLPair: Sendable, Equatable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}
