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
    private var humanHashByRoot: [ObjectID: String] = [:]
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
    /// For branch environments, whose policy and code are the same commit.
    public func specs(_ repo: Repository, at sha: String) throws -> SpecsAtCommit {
        try specs(repo, policyAt: sha, codeAt: sha)
    }

    /// The specs read at `policySHA` (the trusted commit: a preview's base tip), with content
    /// ids for deploying the code at `codeSHA` under them. The code's own `environments/` never
    /// counts: a PR changes its preview only through its code, never through the spec.
    public func specs(_ repo: Repository, policyAt policySHA: String, codeAt codeSHA: String) throws -> SpecsAtCommit {
        guard let policy = ObjectID(hex: policySHA) else { return .invalid(["not a commit id: \(policySHA)"]) }
        guard let code = ObjectID(hex: codeSHA) else { return .invalid(["not a commit id: \(codeSHA)"]) }
        let parsed = try parsedSpecs(repo, at: policy)
        guard case .specs(let specs) = parsed else { return parsed }
        let treeHash = try contentHash(repo, commit: code, root: rootTree(repo, code))
        return .specs(specs.map { resolved in
            ResolvedSpec(spec: resolved.spec, contentID: Self.contentID(treeHash: treeHash, specFile: resolved.spec.file, specBlob: resolved.contentID))
        })
    }

    /// The id of `environments/` at `sha` (nil when the commit has none).
    public func environmentsTree(_ repo: Repository, at sha: String) throws -> ObjectID? {
        guard let commit = ObjectID(hex: sha) else { return nil }
        return try repo.tree(at: commit).first(where: { $0.name == "environments" && $0.kind == .tree })?.id
    }

    /// What `slipway validate` says about the specs at `sha` (empty when valid), for telling a
    /// PR author about the spec changes their PR proposes.
    public func problems(_ repo: Repository, at sha: String) throws -> [String] {
        guard let commit = ObjectID(hex: sha) else { return ["not a commit id: \(sha)"] }
        if case .invalid(let problems) = try parsedSpecs(repo, at: commit) { return problems }
        return []
    }

    /// The parsed specs of a commit, cached by the id of its `environments/` tree; each
    /// `ResolvedSpec.contentID` holds the spec's blob id until `specs` finishes it.
    private func parsedSpecs(_ repo: Repository, at commit: ObjectID) throws -> SpecsAtCommit {
        let entries = try repo.tree(at: commit)
        guard let envTree = entries.first(where: { $0.name == "environments" && $0.kind == .tree }) else {
            return .specs([])
        }
        if let cached = specsByTree[envTree.id] { return cached }
        let files = try repo.tree(at: commit, path: "environments")
            .filter { $0.kind == .blob && ($0.name.hasSuffix(".yaml") || $0.name.hasSuffix(".yml")) }
        var contents: [(path: String, contents: String)] = []
        var blobIDs: [String: ObjectID] = [:]
        var oversized: [Diagnostic] = []
        for file in files {
            // A spec comes from a pull request: an oversized blob is refused before it is read.
            let size = try repo.objectSize(file.id)
            if size > SpecParser.maximumFileBytes {
                oversized.append(Diagnostic(file: file.path, line: 1, column: 1,
                                            message: "the spec file is too large: \(size) bytes (at most \(SpecParser.maximumFileBytes))"))
                continue
            }
            guard let data = try repo.blob(at: file.path, commit: commit) else { continue }
            contents.append((file.path, String(decoding: data, as: UTF8.self)))
            blobIDs[file.path] = file.id
        }
        var (set, diagnostics) = SpecSet.load(files: contents)
        if !oversized.isEmpty {
            diagnostics = (diagnostics + oversized).sorted()
            set = SpecSet(specs: [])
        }
        let parsed: SpecsAtCommit = diagnostics.isEmpty
            ? .specs(set.specs.map { ResolvedSpec(spec: $0, contentID: blobIDs[$0.file]?.hex ?? "") })
            : .invalid(diagnostics.map(\.description))
        // Bounded: a long-running bot sees many trees; a full cache simply starts over.
        if specsByTree.count >= Self.cacheLimit { specsByTree.removeAll(keepingCapacity: true) }
        specsByTree[envTree.id] = parsed
        return parsed
    }

    static let cacheLimit = 4096

    /// SHA-256 over the commit's tree minus Slipway-owned paths and `environments/`.
    public func contentHash(_ repo: Repository, commit: ObjectID, root: ObjectID? = nil) throws -> String {
        try hash(repo, commit: commit, root: root, withSpecs: false)
    }

    /// SHA-256 over the commit's tree minus only Slipway's own paths (`evidence/`, `docs/llm/`):
    /// two commits with the same hash differ only in what the bot writes, so an approval given
    /// at one holds for the other (specs included: a policy change needs a new approval).
    public func humanContentHash(_ repo: Repository, commit: ObjectID) throws -> String {
        try hash(repo, commit: commit, root: nil, withSpecs: true)
    }

    private func hash(_ repo: Repository, commit: ObjectID, root: ObjectID?, withSpecs: Bool) throws -> String {
        let rootID = try root ?? rootTree(repo, commit)
        if let cached = withSpecs ? humanHashByRoot[rootID] : treeHashByRoot[rootID] { return cached }
        var lines: [String] = []
        // `environments/` is policy, read from a trusted commit and counted through the spec's
        // own blob (`contentID`): a PR editing its copy changes nothing it deploys.
        for entry in try repo.tree(at: commit) where entry.name != "evidence" && (withSpecs || entry.name != "environments") {
            if entry.name == "docs" && entry.kind == .tree {
                for sub in try repo.tree(at: commit, path: "docs") where sub.name != "llm" {
                    lines.append("docs/\(sub.name) \(sub.kind) \(sub.isExecutable) \(sub.id.hex)")
                }
            } else {
                lines.append("\(entry.name) \(entry.kind) \(entry.isExecutable) \(entry.id.hex)")
            }
        }
        let hash = Hex.encode(SHA256.hash(lines.joined(separator: "\n")))
        if withSpecs {
            if humanHashByRoot.count >= Self.cacheLimit { humanHashByRoot.removeAll(keepingCapacity: true) }
            humanHashByRoot[rootID] = hash
        } else {
            if treeHashByRoot.count >= Self.cacheLimit { treeHashByRoot.removeAll(keepingCapacity: true) }
            treeHashByRoot[rootID] = hash
        }
        return hash
    }

    static func contentID(treeHash: String, specFile: String, specBlob: String) -> String {
        Hex.encode(SHA256.hash("slipway-content/1\n\(treeHash)\n\(specFile)\n\(specBlob)"))
    }

    private func rootTree(_ repo: Repository, _ commit: ObjectID) throws -> ObjectID {
        if let cached = rootByCommit[commit.hex] { return cached }
        let tree = try repo.commit(commit).treeID
        if rootByCommit.count >= Self.cacheLimit { rootByCommit.removeAll(keepingCapacity: true) }
        rootByCommit[commit.hex] = tree
        return tree
    }
}
