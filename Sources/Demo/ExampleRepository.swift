import Foundation
public import Git

/// A bare repository made from the example app's files, standing in for the GitHub remote.
public final class ExampleRepository: @unchecked Sendable {
    public let path: String
    public let repository: Repository
    /// What each branch changed (for squash merges when main moved meanwhile).
    private var branchChanges: [String: [String: String]] = [:]
    static let author = Signature(name: "Dana Developer", email: "dana@example.com")

    /// Creates `path` (a bare repository) with the files under `exampleDirectory` on `main`.
    /// `withDatabases: false` leaves the specs' `database` sections (and the `crons_sql` that
    /// needs them) out, for runs without a PostgreSQL server.
    public init(exampleDirectory: String, path: String, withDatabases: Bool = false) throws {
        self.path = path
        repository = try Repository.create(at: path, bare: true, initialBranch: "main")
        var changes: [String: FileChange] = [:]
        let root = URL(fileURLWithPath: exampleDirectory).standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw DemoError("cannot read the example app at \(exampleDirectory)")
        }
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            let executable = FileManager.default.isExecutableFile(atPath: url.path)
            var data = try Data(contentsOf: url)
            if !withDatabases, relative.hasPrefix("environments/"), relative.hasSuffix(".yaml") {
                data = Data(Self.withoutDatabase(String(decoding: data, as: UTF8.self)).utf8)
            }
            changes[relative] = .write(data, executable: executable)
        }
        guard changes["environments/preview.yaml"] != nil else {
            throw DemoError("\(exampleDirectory) has no environments/preview.yaml: run the demo from the Slipway checkout")
        }
        // A history of two commits, as real repositories have: the project's start, then the
        // app. (A first promotion starts the target branch at the root commit, and a promotion
        // pull request needs commits between its base and its head.)
        let start = try repository.commit(changes: ["README.md": changes["README.md"] ?? .write(Data("# Example app\n".utf8))],
                                          onBranch: "main", parent: nil, author: Self.author, message: "Start the project")
        try repository.commit(changes: changes, onBranch: "main", parent: start, author: Self.author, message: "Example app")
    }

    /// The spec without its top-level `database:` block and `crons_sql:` line.
    static func withoutDatabase(_ spec: String) -> String {
        var kept: [Substring] = []
        var inDatabase = false
        for line in spec.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("database:") { inDatabase = true; continue }
            if inDatabase, line.first.map({ $0 == " " }) ?? true { continue }
            inDatabase = false
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("crons_sql:") { continue }
            kept.append(line)
        }
        return kept.joined(separator: "\n") + (spec.hasSuffix("\n") && !(kept.last?.isEmpty ?? false) ? "\n" : "")
    }

    public func head(_ branch: String) throws -> String {
        try repository.resolve("refs/heads/\(branch)").hex
    }

    /// Commits `files` on `branch` (created from main if new) and returns the new head. The bot
    /// may push to this repository at the same moment (docs, evidence): like a person retrying
    /// `git push`, a lost race is retried on the new tip.
    @discardableResult
    public func commit(_ branch: String, _ files: [String: String], message: String) throws -> String {
        var changes: [String: FileChange] = [:]
        for (path, text) in files { changes[path] = .write(Data(text.utf8)) }
        branchChanges[branch, default: [:]].merge(files) { _, new in new }
        var attempts = 0
        while true {
            do {
                let parent = try (try? repository.resolve("refs/heads/\(branch)")) ?? repository.resolve("refs/heads/main")
                if (try? repository.resolve("refs/heads/\(branch)")) == nil {
                    try repository.updateReference(name: "refs/heads/\(branch)", to: parent, expected: nil)
                }
                return try repository.commit(changes: changes, onBranch: branch, parent: parent, author: Self.author, message: message).hex
            } catch let error as GitError where (error.kind == .conflict || error.kind == .alreadyExists) && attempts < 200 {
                attempts += 1
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }

    /// GitHub keeps `refs/pull/<n>/head` at every PR's head.
    public func setPullHead(_ number: Int, _ sha: String) throws {
        let name = "refs/pull/\(number)/head"
        try repository.updateReference(name: name, to: ObjectID(hex: sha)!, expected: try? repository.resolve(name))
    }

    /// Merges `branch` into main: a fast-forward when main has not moved since the branch was
    /// made, otherwise a squash of the branch's changes on top of main (so the bot's own commits
    /// on main, such as docs, are kept).
    public func merge(_ branch: String) throws -> String {
        for _ in 0..<200 {
            let head = try repository.resolve("refs/heads/\(branch)")
            let main = try repository.resolve("refs/heads/main")
            guard try isAncestor(main, of: head) else {
                return try commit("main", branchChanges[branch] ?? [:], message: "Merge \(branch) (squashed)")
            }
            do {
                try repository.updateReference(name: "refs/heads/main", to: head, expected: main)
                return head.hex
            } catch let error as GitError where error.kind == .conflict {
                continue // main moved (the bot committed docs): decide again
            }
        }
        throw DemoError("main kept moving while merging \(branch)")
    }

    private func isAncestor(_ ancestor: ObjectID, of commit: ObjectID) throws -> Bool {
        var cursor: ObjectID? = commit
        for _ in 0..<1000 {
            guard let id = cursor else { return false }
            if id == ancestor { return true }
            cursor = try repository.commit(id).parents.first
        }
        return false
    }
}

public struct DemoError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
