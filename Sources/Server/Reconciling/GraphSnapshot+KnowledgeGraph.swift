public import Docs
public import Foundation
public import Store
import SlipwayCore

extension GraphSnapshot {
    /// The store's snapshot of a docs graph, mapped one to one from `graph.json`: a node's
    /// properties are kept as the same JSON object (sorted keys), an edge's predicate is `kind`.
    public init(_ graph: KnowledgeGraph, commit: String, at date: Date) {
        let nodes = graph.nodes.map { node in
            let properties = node.properties.keys.sorted().map { key -> String in
                let value: String
                switch node.properties[key]! {
                case .text(let text): value = JSONString.quote(text)
                case .list(let items): value = "[" + items.map(JSONString.quote).joined(separator: ",") + "]"
                }
                return JSONString.quote(key) + ":" + value
            }
            return Node(id: node.id, kind: node.kind, label: node.label, sources: node.sources,
                        properties: "{" + properties.joined(separator: ",") + "}")
        }
        let edges = graph.edges.map { Edge(from: $0.from, kind: $0.predicate, to: $0.to, sources: graph.edgeSources[$0] ?? []) }
        self.init(commit: commit, createdAt: date, nodes: nodes, edges: edges)
    }
}
