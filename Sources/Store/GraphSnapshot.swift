public import Foundation

/// The knowledge graph of the docs (`docs/llm/graph.json`) at one commit, as the `graph_*`
/// tables keep it (docs/sql.md).
public struct GraphSnapshot: Sendable, Equatable {
    /// A graph node: `graph.json`'s `id`, `kind`, `label`, `sources` (comma-joined in the
    /// `source` column) and `properties` (a JSON object of text or text-list values).
    public struct Node: Sendable, Equatable {
        public var id: String
        public var kind: String
        public var label: String
        public var sources: [String]
        public var properties: String

        public init(id: String, kind: String, label: String, sources: [String], properties: String) {
            self.id = id
            self.kind = kind
            self.label = label
            self.sources = sources
            self.properties = properties
        }
    }

    /// A graph edge `from -> kind -> to` (`graph.json`'s `predicate` is `kind`).
    public struct Edge: Sendable, Equatable {
        public var from: String
        public var kind: String
        public var to: String
        public var sources: [String]

        public init(from: String, kind: String, to: String, sources: [String]) {
            self.from = from
            self.kind = kind
            self.to = to
            self.sources = sources
        }
    }

    /// Set by the store (0 before the snapshot is recorded).
    public var id: Int64
    /// The commit the docs were generated from.
    public var commit: String
    public var createdAt: Date
    /// Sorted by id; empty in a listing.
    public var nodes: [Node]
    /// Sorted by (from, kind, to); empty in a listing.
    public var edges: [Edge]

    public init(id: Int64 = 0, commit: String, createdAt: Date, nodes: [Node], edges: [Edge]) {
        self.id = id
        self.commit = commit
        self.createdAt = createdAt
        self.nodes = nodes.sorted { $0.id < $1.id }
        self.edges = edges.sorted { ($0.from, $0.kind, $0.to) < ($1.from, $1.kind, $1.to) }
    }
}

extension SQLStateStore {
    // MARK: Graph snapshots

    /// Graph snapshots kept (the newest); older ones go when a new one is recorded.
    public static var graphSnapshotLimit: Int { 200 }

    public func recordGraphSnapshot(_ snapshot: GraphSnapshot) throws -> Int64 {
        try inTransaction("record graph snapshot") { x in
            if let newest = try x.rows("SELECT * FROM graph_snapshots ORDER BY id DESC LIMIT 1", []).first,
               let id = newest.int64("id"), newest.string("commit_sha") == snapshot.commit {
                let stored = try Self.graphContents(x, id: id)
                if stored.nodes == snapshot.nodes && stored.edges == snapshot.edges { return id }
            }
            guard let id = try x.rows("INSERT INTO graph_snapshots (commit_sha, created_at) VALUES (?, ?) RETURNING id",
                                      [.text(snapshot.commit), .double(snapshot.createdAt.timeIntervalSince1970)]).first?.int64("id") else {
                throw StoreError(operation: "record graph snapshot", message: "the insert returned no id")
            }
            for node in snapshot.nodes {
                try x.change("INSERT INTO graph_nodes (snapshot_id, node_id, kind, label, source, properties) VALUES (?, ?, ?, ?, ?, ?)",
                             [.int(id), .text(node.id), .text(node.kind), .text(node.label), .text(node.sources.joined(separator: ",")),
                              .text(node.properties)])
            }
            for edge in snapshot.edges {
                try x.change("INSERT INTO graph_edges (snapshot_id, from_node, kind, to_node, source) VALUES (?, ?, ?, ?, ?)",
                             [.int(id), .text(edge.from), .text(edge.kind), .text(edge.to), .text(edge.sources.joined(separator: ","))])
            }
            // A bot runs for months: only the newest `graphSnapshotLimit` snapshots are kept.
            if let cutoff = try x.rows("SELECT id FROM graph_snapshots ORDER BY id DESC LIMIT 1 OFFSET ?",
                                       [.int(Int64(Self.graphSnapshotLimit))]).first?.int64("id") {
                try x.change("DELETE FROM graph_edges WHERE snapshot_id <= ?", [.int(cutoff)])
                try x.change("DELETE FROM graph_nodes WHERE snapshot_id <= ?", [.int(cutoff)])
                try x.change("DELETE FROM graph_snapshots WHERE id <= ?", [.int(cutoff)])
            }
            return id
        }
    }

    public func graphSnapshots(limit: Int) throws -> [GraphSnapshot] {
        try inReadTransaction("list graph snapshots") { x in
            try x.rows("SELECT * FROM graph_snapshots ORDER BY id DESC LIMIT ?", [.int(Int64(limit))]).map {
                GraphSnapshot(id: $0.int64("id") ?? 0, commit: $0.string("commit_sha") ?? "",
                              createdAt: $0.date("created_at") ?? Date(timeIntervalSince1970: 0), nodes: [], edges: [])
            }
        }
    }

    public func graphSnapshot(id: Int64) throws -> GraphSnapshot? {
        try inReadTransaction("read graph snapshot") { x in
            guard let row = try x.rows("SELECT * FROM graph_snapshots WHERE id = ?", [.int(id)]).first else { return nil }
            let contents = try Self.graphContents(x, id: id)
            return GraphSnapshot(id: id, commit: row.string("commit_sha") ?? "",
                                 createdAt: row.date("created_at") ?? Date(timeIntervalSince1970: 0),
                                 nodes: contents.nodes, edges: contents.edges)
        }
    }

    static func graphContents(_ x: any SQLExecutor, id: Int64) throws -> (nodes: [GraphSnapshot.Node], edges: [GraphSnapshot.Edge]) {
        let list = { (text: String?) in (text ?? "").split(separator: ",").map(String.init) }
        let nodes = try x.rows("SELECT * FROM graph_nodes WHERE snapshot_id = ? ORDER BY node_id", [.int(id)]).map {
            GraphSnapshot.Node(id: $0.string("node_id") ?? "", kind: $0.string("kind") ?? "", label: $0.string("label") ?? "",
                               sources: list($0.string("source")), properties: $0.string("properties") ?? "{}")
        }
        let edges = try x.rows("SELECT * FROM graph_edges WHERE snapshot_id = ? ORDER BY from_node, kind, to_node", [.int(id)]).map {
            GraphSnapshot.Edge(from: $0.string("from_node") ?? "", kind: $0.string("kind") ?? "", to: $0.string("to_node") ?? "",
                               sources: list($0.string("source")))
        }
        return (nodes, edges)
    }
}
