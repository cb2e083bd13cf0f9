import SlipwayCore

/// A property value of a graph node: one text or a list of texts.
public enum GraphValue: Sendable, Equatable {
    case text(String)
    case list([String])

    public var texts: [String] {
        switch self {
        case .text(let text): [text]
        case .list(let items): items
        }
    }
}

/// One thing the repository declares (an environment, a service, an image, a workflow, a job, a
/// package, ...) or one thing observed running (`deploy:staging`). Its id is stable
/// (`env:staging`, `service:web`, `image:postgres:16`).
public struct GraphNode: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var label: String
    public var properties: [String: GraphValue]
    /// Where the node comes from, sorted: `file:line` for a declared fact (the line of the key
    /// or manifest entry that declares it, 1-based), `observed:<what>` for a fact read from the
    /// store (`observed:store environments`). Never empty in a built graph.
    public var sources: [String]
    /// Where a property is declared when that is a line of its own (`run` of an environment:
    /// `environments/staging.yaml:12`, the line of `deploy.run`).
    public var propertySources: [String: String]

    public init(
        id: String, kind: String, label: String, properties: [String: GraphValue] = [:], sources: [String] = [],
        propertySources: [String: String] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.label = label
        self.properties = properties
        self.sources = sources
        self.propertySources = propertySources
    }

    /// The source of property `key` when it has one of its own, else the node's first source.
    public func source(of key: String) -> String? { propertySources[key] ?? sources.first }

    public func text(_ key: String) -> String? {
        if case .text(let text) = properties[key] { return text }
        return nil
    }

    public func list(_ key: String) -> [String] { properties[key]?.texts ?? [] }
}

/// A typed relation `from -> predicate -> to` (`service:web -> DEPENDS_ON -> service:db`).
public struct GraphEdge: Sendable, Hashable, Comparable {
    public var from: String
    public var predicate: String
    public var to: String

    public init(from: String, predicate: String, to: String) {
        self.from = from
        self.predicate = predicate
        self.to = to
    }

    public static func < (lhs: GraphEdge, rhs: GraphEdge) -> Bool {
        (lhs.from, lhs.predicate, lhs.to) < (rhs.from, rhs.predicate, rhs.to)
    }

    public var line: String { "\(from) -> \(predicate) -> \(to)" }
}

/// The knowledge graph of a repository at one commit: nodes de-duplicated by id, edges
/// de-duplicated by (from, predicate, to), both in a stable order. Edges whose end is not a
/// node are left out and reported in `errors` (with the file that declared them).
public struct KnowledgeGraph: Sendable, Equatable {
    /// 2: `sources` are `file:line` or `observed:<what>` (1: file names only).
    public static let formatVersion = 2

    /// Sorted by id.
    public private(set) var nodes: [GraphNode]
    /// Sorted.
    public private(set) var edges: [GraphEdge]
    /// Where each edge comes from (`file:line` or `observed:<what>`), sorted.
    public private(set) var edgeSources: [GraphEdge: [String]]
    /// Problems found while building: dangling edges and files that could not be read. Sorted.
    public private(set) var errors: [String]

    private var index: [String: Int] = [:]

    public func node(_ id: String) -> GraphNode? { index[id].map { nodes[$0] } }

    public func nodes(ofKind kind: String) -> [GraphNode] { nodes.filter { $0.kind == kind } }

    public func edges(from id: String, _ predicate: String? = nil) -> [GraphEdge] {
        edges.filter { $0.from == id && (predicate == nil || $0.predicate == predicate) }
    }

    public func edges(to id: String, _ predicate: String? = nil) -> [GraphEdge] {
        edges.filter { $0.to == id && (predicate == nil || $0.predicate == predicate) }
    }

    init(nodes: [GraphNode], edges: [GraphEdge], edgeSources: [GraphEdge: [String]], errors: [String]) {
        self.nodes = nodes.sorted { $0.id < $1.id }
        self.edges = edges.sorted()
        self.edgeSources = edgeSources
        self.errors = errors.sorted()
        for (position, node) in self.nodes.enumerated() { index[node.id] = position }
    }

    public static func == (lhs: KnowledgeGraph, rhs: KnowledgeGraph) -> Bool {
        lhs.nodes == rhs.nodes && lhs.edges == rhs.edges && lhs.errors == rhs.errors
    }

    /// `graph.json`: keys sorted, two-space indentation, a final newline.
    public var json: String {
        var out = "{\n  \"edges\": ["
        for (position, edge) in edges.enumerated() {
            out += position == 0 ? "\n" : ",\n"
            let sources = (edgeSources[edge] ?? []).map(JSONString.quote).joined(separator: ", ")
            out += "    {\"from\": \(JSONString.quote(edge.from)), \"predicate\": \(JSONString.quote(edge.predicate)), "
            out += "\"sources\": [\(sources)], \"to\": \(JSONString.quote(edge.to))}"
        }
        out += edges.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"errors\": [" + errors.map(JSONString.quote).joined(separator: ", ") + "],\n"
        out += "  \"nodes\": ["
        for (position, node) in nodes.enumerated() {
            out += position == 0 ? "\n" : ",\n"
            out += "    {\n      \"id\": \(JSONString.quote(node.id)),\n      \"kind\": \(JSONString.quote(node.kind)),\n"
            out += "      \"label\": \(JSONString.quote(node.label)),\n      \"properties\": {"
            let keys = node.properties.keys.sorted()
            for (keyPosition, key) in keys.enumerated() {
                out += keyPosition == 0 ? "\n" : ",\n"
                out += "        \(JSONString.quote(key)): "
                switch node.properties[key]! {
                case .text(let text): out += JSONString.quote(text)
                case .list(let items): out += "[" + items.map(JSONString.quote).joined(separator: ", ") + "]"
                }
            }
            out += keys.isEmpty ? "},\n" : "\n      },\n"
            let located = node.propertySources.keys.sorted()
            out += "      \"property_sources\": {"
            for (keyPosition, key) in located.enumerated() {
                out += keyPosition == 0 ? "\n" : ",\n"
                out += "        \(JSONString.quote(key)): \(JSONString.quote(node.propertySources[key]!))"
            }
            out += located.isEmpty ? "},\n" : "\n      },\n"
            out += "      \"sources\": [" + node.sources.map(JSONString.quote).joined(separator: ", ") + "]\n    }"
        }
        out += nodes.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"version\": \(Self.formatVersion)\n}\n"
        return out
    }
}

/// Collects nodes and edges in any order and builds the graph.
public struct GraphBuilder: Sendable {
    private var nodes: [String: GraphNode] = [:]
    private var edgeSources: [GraphEdge: Set<String>] = [:]
    private var errors: [String] = []

    public init() {}

    /// Adds a node; a node with the same id is merged: the kind and label first seen stay,
    /// list properties are united, a text property keeps its first value, sources are united,
    /// a property's source is the first one given.
    public mutating func add(_ node: GraphNode) {
        guard var existing = nodes[node.id] else {
            var fresh = node
            fresh.sources = GraphSource.sorted(node.sources)
            for (key, value) in fresh.properties {
                if case .list(let items) = value { fresh.properties[key] = .list(Array(Set(items)).sorted()) }
            }
            nodes[node.id] = fresh
            return
        }
        for (key, value) in node.properties {
            switch (existing.properties[key], value) {
            case (nil, .list(let items)): existing.properties[key] = .list(Array(Set(items)).sorted())
            case (nil, _): existing.properties[key] = value
            case (.list(let old)?, .list(let new)): existing.properties[key] = .list(Array(Set(old + new)).sorted())
            default: break
            }
        }
        existing.sources = GraphSource.sorted(existing.sources + node.sources)
        existing.propertySources.merge(node.propertySources) { first, _ in first }
        nodes[node.id] = existing
    }

    public mutating func link(_ from: String, _ predicate: String, _ to: String, source: String) {
        edgeSources[GraphEdge(from: from, predicate: predicate, to: to), default: []].insert(source)
    }

    public mutating func error(_ message: String) {
        errors.append(message)
    }

    public func contains(_ id: String) -> Bool { nodes[id] != nil }

    /// The graph, with dangling edges dropped and reported.
    public func build() -> KnowledgeGraph {
        var kept: [GraphEdge] = []
        var sources: [GraphEdge: [String]] = [:]
        var problems = errors
        for (edge, files) in edgeSources {
            let missing = [edge.from, edge.to].filter { nodes[$0] == nil }
            if missing.isEmpty {
                kept.append(edge)
                sources[edge] = GraphSource.sorted(files)
            } else {
                problems.append("\(GraphSource.sorted(files).joined(separator: ", ")): dangling edge \(edge.line): no node \(missing.joined(separator: " or "))")
            }
        }
        return KnowledgeGraph(nodes: Array(nodes.values), edges: kept, edgeSources: sources, errors: Array(Set(problems)))
    }
}
