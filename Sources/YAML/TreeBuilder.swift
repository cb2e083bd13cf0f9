/// Builds node trees from libyaml events with an explicit stack (no recursion), resolving aliases
/// and merge keys, and enforcing the node count and depth of its `YAML.Limits`.
struct TreeBuilder {
    /// A collection being filled; `size` counts its nodes after alias expansion, itself included.
    private struct Frame {
        enum Content {
            case sequence([YAMLNode])
            case mapping([YAMLPair], pendingKey: YAMLNode?)
        }
        var content: Content
        var mark: YAMLMark
        var tag: String?
        var anchor: String?
        var size = 1
    }

    private let parser: EventParser
    private let limits: YAML.Limits
    private var stack: [Frame] = []
    /// Anchored nodes of the current document with their expanded sizes.
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var nodeCount = 0
    private var root: YAMLNode?
    private var finished = false

    init(text: String, limits: YAML.Limits) throws {
        parser = try EventParser(text: text)
        self.limits = limits
    }

    /// The next document's root, or nil at the end of the stream.
    mutating func nextDocument() throws -> YAMLNode? {
        while !finished {
            switch try parser.next() {
            case .streamStart:
                break
            case .streamEnd:
                finished = true
            case .documentStart:
                anchors = [:]
                nodeCount = 0
                root = nil
            case .documentEnd:
                defer { root = nil }
                if let root { return root }
            case .alias(let name, let mark):
                guard let anchored = anchors[name] else {
                    throw YAMLError(kind: .undefinedAlias, message: "undefined alias '*\(name)'", mark: mark)
                }
                try count(anchored.size, at: mark)
                complete(anchored.node, size: anchored.size, isAliasCopy: true)
            case .scalar(let text, let style, let tag, let anchor, let mark):
                try count(1, at: mark)
                complete(YAMLNode(kind: .scalar(text, style: style), mark: mark, tag: tag, anchor: anchor), size: 1)
            case .sequenceStart(let tag, let anchor, let mark):
                try open(Frame(content: .sequence([]), mark: mark, tag: tag, anchor: anchor))
            case .mappingStart(let tag, let anchor, let mark):
                try open(Frame(content: .mapping([], pendingKey: nil), mark: mark, tag: tag, anchor: anchor))
            case .sequenceEnd, .mappingEnd:
                let frame = stack.removeLast()
                let kind: YAMLNode.Kind
                switch frame.content {
                case .sequence(let items): kind = .sequence(items)
                case .mapping(let pairs, _): kind = .mapping(try Self.expandMerges(pairs))
                }
                complete(YAMLNode(kind: kind, mark: frame.mark, tag: frame.tag, anchor: frame.anchor), size: frame.size)
            }
        }
        return nil
    }

    private mutating func count(_ nodes: Int, at mark: YAMLMark) throws {
        nodeCount += nodes
        guard nodeCount <= limits.maximumNodes else {
            throw YAMLError(kind: .tooManyNodes,
                            message: "the document has more than \(limits.maximumNodes) nodes once aliases are expanded", mark: mark)
        }
    }

    private mutating func open(_ frame: Frame) throws {
        try count(1, at: frame.mark)
        guard stack.count < limits.maximumDepth else {
            throw YAMLError(kind: .tooDeep, message: "collections nested deeper than \(limits.maximumDepth) levels", mark: frame.mark)
        }
        stack.append(frame)
    }

    /// Hands a finished node to its parent (or makes it the root) and records its anchor (an
    /// alias's copy keeps the anchor name but is not a new definition).
    private mutating func complete(_ node: YAMLNode, size: Int, isAliasCopy: Bool = false) {
        if let anchor = node.anchor, !isAliasCopy {
            anchors[anchor] = (node, size)
        }
        guard var parent = stack.popLast() else {
            root = node
            return
        }
        parent.size += size
        // Empty the frame before appending so the array is uniquely referenced (no copy per item).
        switch parent.content {
        case .sequence(var items):
            parent.content = .sequence([])
            items.append(node)
            parent.content = .sequence(items)
        case .mapping(var pairs, let pendingKey):
            parent.content = .mapping([], pendingKey: nil)
            if let key = pendingKey {
                pairs.append(YAMLPair(key: key, value: node))
                parent.content = .mapping(pairs, pendingKey: nil)
            } else {
                parent.content = .mapping(pairs, pendingKey: node)
            }
        }
        stack.append(parent)
    }

    /// Replaces each merge pair (`<<: mapping` or `<<: [mappings]`) by the merged mappings' pairs
    /// whose keys the mapping does not define itself; an earlier merged mapping wins over a later
    /// one. Scalar keys compare by text; other keys are always taken.
    static func expandMerges(_ pairs: [YAMLPair]) throws -> [YAMLPair] {
        guard pairs.contains(where: { isMergeKey($0.key) }) else { return pairs }
        var taken = Set(pairs.filter { !isMergeKey($0.key) }.compactMap { $0.key.string })
        var result: [YAMLPair] = []
        for pair in pairs {
            guard isMergeKey(pair.key) else {
                result.append(pair)
                continue
            }
            let sources: [YAMLNode]
            switch pair.value.kind {
            case .mapping: sources = [pair.value]
            case .sequence(let items) where items.allSatisfy({ $0.mapping != nil }): sources = items
            default:
                throw YAMLError(kind: .invalidMergeKey,
                                message: "merge key '<<' needs a mapping or a sequence of mappings, found a \(pair.value.kindName)",
                                mark: pair.value.mark)
            }
            for source in sources {
                for merged in source.mapping ?? [] {
                    if let key = merged.key.string {
                        guard !taken.contains(key) else { continue }
                        taken.insert(key)
                    }
                    result.append(merged)
                }
            }
        }
        return result
    }

    private static func isMergeKey(_ key: YAMLNode) -> Bool {
        guard case .scalar("<<", let style) = key.kind else { return false }
        if let tag = key.tag { return tag == "tag:yaml.org,2002:merge" }
        return style == .plain
    }
}
