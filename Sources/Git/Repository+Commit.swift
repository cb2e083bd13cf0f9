internal import CGit2
import Foundation

extension Repository {
    /// Writes a commit that applies `changes` (path from the root -> change) to `parent`'s tree
    /// (or to an empty tree when `parent` is nil), then moves `refs/heads/<branch>` to it.
    ///
    /// Folders are created for nested paths; a folder left empty by deletions disappears.
    /// Replacing a folder by a file or a file by a folder is refused (`.invalidArgument`): delete
    /// the old path in an earlier commit. The message gets a final newline if it has none, as
    /// git's own tools do.
    ///
    /// The branch moves by compare-and-swap (`git_reference_create_matching`): it must still be
    /// at `parent` (or, when `parent` is nil, not exist). If someone moved, created or deleted it
    /// in between, nothing changes and the error kind is `.conflict`; the new commit stays
    /// unreferenced. When `parent` is given and the branch does not exist yet, it is created
    /// (a new branch off `parent`). Works in bare repositories; in others the work tree and index
    /// are not touched. `branch` may also be a full ref name starting with `refs/`.
    ///
    /// - Returns: the new commit's id.
    @discardableResult
    public func commit(
        changes: [String: FileChange], onBranch branch: String, parent: ObjectID?,
        author: Signature, committer: Signature? = nil, message: String
    ) throws -> ObjectID {
        let referenceName = branch.hasPrefix("refs/") ? branch : "refs/heads/" + branch
        var root = PendingFolder()
        for (path, change) in changes {
            let relative = try Self.normalised(path, allowRoot: false)
            try root.add(relative.split(separator: "/").map(String.init)[...], change: change, fullPath: relative, writing: self)
        }

        var parentCommit: OpaquePointer?
        var baseTree: OpaquePointer?
        defer {
            git_tree_free(baseTree)
            git_commit_free(parentCommit)
        }
        if let parent {
            parentCommit = try lookupCommit(parent)
            try check(git_commit_tree(&baseTree, parentCommit), "git_commit_tree")
        }
        var treeOID = try writeTree(root, base: baseTree, isRoot: true)!
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, handle, &treeOID), "git_tree_lookup")
        defer { git_tree_free(tree) }

        let authorSignature = try Self.makeSignature(author)
        defer { git_signature_free(authorSignature) }
        let committerSignature = try Self.makeSignature(committer ?? author)
        defer { git_signature_free(committerSignature) }

        let text = message.hasSuffix("\n") ? message : message + "\n"
        var commitOID = git_oid()
        var parents: [OpaquePointer?] = parentCommit.map { [$0] } ?? []
        try check(
            git_commit_create(&commitOID, handle, nil, authorSignature, committerSignature, nil, text, tree,
                              parents.count, &parents),
            "git_commit_create")
        let newID = ObjectID(commitOID)
        try moveReference(referenceName, to: newID, from: parent, createIfMissing: true,
                          logMessage: "commit: " + (text.split(separator: "\n").first.map(String.init) ?? ""))
        return newID
    }

    /// Points `name` (a full ref name such as `refs/pull/7/head`) at `target`, if it currently
    /// points at `expected`; when `expected` is nil the reference must not exist yet. Otherwise
    /// nothing changes and the error kind is `.conflict`.
    public func updateReference(name: String, to target: ObjectID, expected: ObjectID?) throws {
        try moveReference(name, to: target, from: expected, createIfMissing: false, logMessage: "update-ref")
    }

    /// Deletes the reference `name` (a full ref name). Kind `.notFound` when it does not exist.
    public func deleteReference(name: String) throws {
        var reference: OpaquePointer?
        try check(git_reference_lookup(&reference, handle, name), "git_reference_lookup")
        defer { git_reference_free(reference) }
        try check(git_reference_delete(reference), "git_reference_delete")
    }

    // MARK: - Internals

    /// Compare-and-swap of a direct reference. A ref locked by someone else (another pusher, the
    /// git CLI) is waited for up to `referenceLockPatience`, as pushes do, before `.locked`.
    private func moveReference(
        _ name: String, to target: ObjectID, from expected: ObjectID?, createIfMissing: Bool, logMessage: String
    ) throws {
        var newOID = target.gitOID
        var reference: OpaquePointer?
        defer { git_reference_free(reference) }
        if var expectedOID = expected?.gitOID {
            let result = Self.patientlyLocking {
                git_reference_free(reference)
                reference = nil
                return git_reference_create_matching(&reference, handle, name, &newOID, 1, &expectedOID, logMessage)
            }
            if result >= 0 { return }
            let error = GitError.fromLastError(function: "git_reference_create_matching", code: result)
            switch result {
            case GIT_EMODIFIED.rawValue:
                throw error.with(kind: .conflict)
            case GIT_ENOTFOUND.rawValue where !createIfMissing:
                throw error.with(kind: .conflict)
            case GIT_ENOTFOUND.rawValue:
                break  // A new branch off `expected`: create it below, refusing if it appeared.
            default:
                throw error
            }
        }
        // A new ref: the all-zero expectation makes libgit2 check "does not exist" under the lock.
        var absent = git_oid()
        let result = Self.patientlyLocking {
            git_reference_free(reference)
            reference = nil
            return git_reference_create_matching(&reference, handle, name, &newOID, 0, &absent, logMessage)
        }
        if result == GIT_EEXISTS.rawValue || result == GIT_EMODIFIED.rawValue {
            throw GitError.fromLastError(function: "git_reference_create_matching", code: result).with(kind: .conflict)
        }
        try check(result, "git_reference_create_matching")
    }

    /// Runs `attempt` again while it answers `GIT_ELOCKED`, backing off, for at most
    /// `referenceLockPatience`.
    static func patientlyLocking(_ attempt: () -> Int32) -> Int32 {
        let deadline = Date().addingTimeInterval(referenceLockPatience)
        var pause: useconds_t = 1_000
        while true {
            let result = attempt()
            guard result == GIT_ELOCKED.rawValue, Date() < deadline else { return result }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Writes the blob for one file.
    fileprivate func writeBlob(_ data: Data) throws -> git_oid {
        var oid = git_oid()
        let result = data.withUnsafeBytes { bytes in
            git_blob_create_from_buffer(&oid, handle, bytes.baseAddress, bytes.count)
        }
        try check(result, "git_blob_create_from_buffer")
        return oid
    }

    /// Writes `folder` on top of `base`; returns nil when the result is an empty folder (which
    /// git cannot store, so the parent drops it), except for the root.
    private func writeTree(_ folder: PendingFolder, base: OpaquePointer?, isRoot: Bool, path: String = "") throws -> git_oid? {
        var builder: OpaquePointer?
        try check(git_treebuilder_new(&builder, handle, base), "git_treebuilder_new")
        defer { git_treebuilder_free(builder) }
        for (name, node) in folder.children {
            let existing = git_treebuilder_get(builder, name)
            let existingType = existing.map { git_tree_entry_type($0) }
            let fullPath = path + name
            switch node {
            case .file(var oid, let mode):
                if existingType == GIT_OBJECT_TREE {
                    throw GitError.wrapper("commit", "'\(fullPath)' is a folder; cannot replace it with a file", kind: .invalidArgument)
                }
                try check(git_treebuilder_insert(nil, builder, name, &oid, mode), "git_treebuilder_insert")
            case .delete:
                if existing != nil {
                    try check(git_treebuilder_remove(builder, name), "git_treebuilder_remove")
                }
            case .folder(let subfolder):
                var subtree: OpaquePointer?
                defer { git_tree_free(subtree) }
                if let existing {
                    guard existingType == GIT_OBJECT_TREE else {
                        throw GitError.wrapper("commit", "'\(fullPath)' is a file; cannot use it as a folder", kind: .invalidArgument)
                    }
                    try check(git_tree_lookup(&subtree, handle, git_tree_entry_id(existing)), "git_tree_lookup")
                } else if !subfolder.writesSomething {
                    continue  // Only deletions below a folder that does not exist.
                }
                if var oid = try writeTree(subfolder, base: subtree, isRoot: false, path: fullPath + "/") {
                    try check(git_treebuilder_insert(nil, builder, name, &oid, GIT_FILEMODE_TREE), "git_treebuilder_insert")
                } else if existing != nil {
                    try check(git_treebuilder_remove(builder, name), "git_treebuilder_remove")
                }
            }
        }
        if !isRoot && git_treebuilder_entrycount(builder) == 0 { return nil }
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, builder), "git_treebuilder_write")
        return oid
    }

    private static func makeSignature(_ signature: Signature) throws -> UnsafeMutablePointer<git_signature> {
        var out: UnsafeMutablePointer<git_signature>?
        let seconds = git_time_t(signature.date.timeIntervalSince1970.rounded(.down))
        try check(git_signature_new(&out, signature.name, signature.email, seconds, Int32(signature.timeZoneOffsetMinutes)),
                  "git_signature_new")
        return out!
    }
}

/// The change set arranged as a tree of folders, with blobs already written.
private struct PendingFolder {
    indirect enum Node {
        case file(git_oid, git_filemode_t)
        case delete
        case folder(PendingFolder)
    }

    var children: [String: Node] = [:]

    /// True when some change below writes a file (so the folder must exist afterwards).
    var writesSomething: Bool {
        children.values.contains { node in
            switch node {
            case .file: true
            case .delete: false
            case .folder(let folder): folder.writesSomething
            }
        }
    }

    mutating func add(_ parts: ArraySlice<String>, change: FileChange, fullPath: String, writing repository: Repository) throws {
        let name = parts.first!
        if parts.count == 1 {
            guard children[name] == nil else {
                throw GitError.wrapper("commit", "'\(fullPath)' conflicts with another change in the same commit", kind: .invalidArgument)
            }
            switch change {
            case .write(let data, let executable):
                children[name] = .file(try repository.writeBlob(data), executable ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB)
            case .delete:
                children[name] = .delete
            }
            return
        }
        var folder: PendingFolder
        switch children[name] {
        case nil: folder = PendingFolder()
        case .folder(let existing): folder = existing
        default:
            throw GitError.wrapper("commit", "'\(fullPath)' conflicts with another change in the same commit", kind: .invalidArgument)
        }
        try folder.add(parts.dropFirst(), change: change, fullPath: fullPath, writing: repository)
        children[name] = .folder(folder)
    }
}
