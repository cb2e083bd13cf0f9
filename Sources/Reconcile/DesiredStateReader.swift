import Crypto
import Environments
import Foundation
public import Git
public import SlipwayCore

/// What git says right now: branch heads and PR heads.
public struct RefSnapshot: Sendable, Equatable {
    public var branches: [String: String]
    /// `refs/pull/<n>/head`.
    public var pullHeads: [Int: String]

    public init(branches: [String: String] = [:], pullHeads: [Int: String] = [:]) {
        self.branches = branches
        self.pullHeads = pullHeads
    }
}

/// Reads specs and content ids at commits, with caches keyed by git object ids (so 1,000 PRs
/// that share an `environments/` tree parse it once). Not thread-safe: use it under the
/// repository's lock.
public final class DesiredStateReader {
    /// Paths Slipway writes itself; they never count towards a deploy's content.
    public static let ownedPaths = ["evidence", "docs/llm"]

    private var specsByTree: [ObjectID: SpecsAtCommit] = [:]
    private var treeHashByRoot: [ObjectID: String] = [:]
    /// Root tree id of each commit (commits are immutable).
    private var rootByCommit: [String: ObjectID] = [:]

    public init() {}

    public func snapshot(_ repo: Repository) throws -> RefSnapshot {
        var snapshot = RefSnapshot()
        for ref in try repo.references(glob: "refs/heads/*") {
            snapshot.branches[String(ref.name.dropFirst("refs/heads/".count))] = ref.target.hex
        }
        for ref in try repo.references(glob: "refs/pull/*/head") {
            let parts = ref.name.split(separator: "/")
            if parts.count == 4, let number = Int(parts[2]) { snapshot.pullHeads[number] = ref.target.hex }
        }
        return snapshot
    }

    /// The specs at `sha`, each with its content id there; `.invalid` when any spec has errors.
    public func specs(_ repo: Repository, at sha: String) throws -> SpecsAtCommit {
        guard let commit = ObjectID(hex: sha) else { return .invalid(["not a commit id: \(sha)"]) }
        let root = try rootTree(repo, commit)
        let entries = try repo.tree(at: commit)
        guard let envTree = entries.first(where: { $0.name == "environments" && $0.kind == .tree }) else {
            return .specs([])
        }
        let parsed: SpecsAtCommit
        if let cached = specsByTree[envTree.id] {
            parsed = cached
        } else {
            let files = try repo.tree(at: commit, path: "environments")
                .filter { $0.kind == .blob && ($0.name.hasSuffix(".yaml") || $0.name.hasSuffix(".yml")) }
            var contents: [(path: String, contents: String)] = []
            var blobIDs: [String: ObjectID] = [:]
            for file in files {
                guard let data = try repo.blob(at: file.path, commit: commit) else { continue }
                contents.append((file.path, String(decoding: data, as: UTF8.self)))
                blobIDs[file.path] = file.id
            }
            let (set, diagnostics) = SpecSet.load(files: contents)
            if diagnostics.isEmpty {
                // The content id is finished per commit below; here it holds the spec's blob id.
                parsed = .specs(set.specs.map { ResolvedSpec(spec: $0, contentID: blobIDs[$0.file]?.hex ?? "") })
            } else {
                parsed = .invalid(diagnostics.map(\.description))
            }
            specsByTree[envTree.id] = parsed
        }
        guard case .specs(let specs) = parsed else { return parsed }
        let treeHash = try contentHash(repo, commit: commit, root: root)
        return .specs(specs.map { resolved in
            ResolvedSpec(spec: resolved.spec, contentID: Self.contentID(treeHash: treeHash, specFile: resolved.spec.file, specBlob: resolved.contentID))
        })
    }

    /// SHA-256 over the commit's tree minus Slipway-owned paths.
    public func contentHash(_ repo: Repository, commit: ObjectID, root: ObjectID? = nil) throws -> String {
        let rootID = try root ?? rootTree(repo, commit)
        if let cached = treeHashByRoot[rootID] { return cached }
        var lines: [String] = []
        for entry in try repo.tree(at: commit) where entry.name != "evidence" {
            if entry.name == "docs" && entry.kind == .tree {
                for sub in try repo.tree(at: commit, path: "docs") where sub.name != "llm" {
                    lines.append("docs/\(sub.name) \(sub.kind) \(sub.isExecutable) \(sub.id.hex)")
                }
            } else {
                lines.append("\(entry.name) \(entry.kind) \(entry.isExecutable) \(entry.id.hex)")
            }
        }
        let hash = Hex.encode(SHA256.hash(lines.joined(separator: "\n")))
        treeHashByRoot[rootID] = hash
        return hash
    }

    static func contentID(treeHash: String, specFile: String, specBlob: String) -> String {
        Hex.encode(SHA256.hash("slipway-content/1\n\(treeHash)\n\(specFile)\n\(specBlob)"))
    }

    private func rootTree(_ repo: Repository, _ commit: ObjectID) throws -> ObjectID {
        if let cached = rootByCommit[commit.hex] { return cached }
        let tree = try repo.commit(commit).treeID
        rootByCommit[commit.hex] = tree
        return tree
    }
}
