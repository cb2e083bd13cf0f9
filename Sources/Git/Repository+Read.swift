internal import CGit2
public import Foundation

extension Repository {
    /// All references whose full name matches `glob` (fnmatch style, e.g. `refs/heads/*`,
    /// `refs/pull/*/head`; `*` also matches `/`), or all references when `glob` is nil, sorted
    /// by name. Symbolic references (such as `refs/remotes/origin/HEAD`) are resolved; dangling
    /// ones are left out.
    ///
    /// One pass over loose refs and `packed-refs` through libgit2's reference iterator, so
    /// thousands of refs cost milliseconds.
    public func references(glob: String? = nil) throws -> [Reference] {
        var iterator: OpaquePointer?
        if let glob {
            try check(git_reference_iterator_glob_new(&iterator, handle, glob), "git_reference_iterator_glob_new")
        } else {
            try check(git_reference_iterator_new(&iterator, handle), "git_reference_iterator_new")
        }
        defer { git_reference_iterator_free(iterator) }
        var references: [Reference] = []
        while true {
            var reference: OpaquePointer?
            let result = git_reference_next(&reference, iterator)
            if result == GIT_ITEROVER.rawValue { break }
            try check(result, "git_reference_next")
            defer { git_reference_free(reference) }
            let name = String(cString: git_reference_name(reference))
            if let target = git_reference_target(reference) {
                references.append(Reference(name: name, target: ObjectID(target)))
            } else {
                var resolved: OpaquePointer?
                guard git_reference_resolve(&resolved, reference) >= 0 else { continue }
                defer { git_reference_free(resolved) }
                if let target = git_reference_target(resolved) {
                    references.append(Reference(name: name, target: ObjectID(target)))
                }
            }
        }
        references.sort { $0.name < $1.name }
        return references
    }

    /// The commit that `revision` names: a full or short id, a branch, tag (annotated tags are
    /// peeled), full ref name, or any git revision expression such as `main~2`.
    /// Kind `.notFound` when nothing matches, `.ambiguous` for a short id with several matches.
    public func resolve(_ revision: String) throws -> ObjectID {
        var object: OpaquePointer?
        try check(git_revparse_single(&object, handle, revision), "git_revparse_single")
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT), "git_object_peel")
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit))
    }

    /// The commit `id`; kind `.notFound` when the repository does not have it.
    public func commit(_ id: ObjectID) throws -> CommitInfo {
        let commit = try lookupCommit(id)
        defer { git_commit_free(commit) }
        let parents = (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0)) }
        return CommitInfo(
            id: id,
            treeID: ObjectID(git_commit_tree_id(commit)),
            parents: parents,
            message: git_commit_message(commit).map { String(cString: $0) } ?? "",
            author: Signature(git_commit_author(commit)),
            committer: Signature(git_commit_committer(commit)))
    }

    /// The bytes of the file at `path` (e.g. `apps/web/values.yaml`) in `commit`, exactly as
    /// stored (no line-ending or other filters). Nil when the path does not exist in that commit;
    /// kind `.invalidArgument` when it names a folder or submodule.
    public func blob(at path: String, commit: ObjectID) throws -> Data? {
        let relative = try Self.normalised(path, allowRoot: false)
        let tree = try rootTree(of: commit)
        defer { git_tree_free(tree) }
        var entry: OpaquePointer?
        let result = git_tree_entry_bypath(&entry, tree, relative)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "git_tree_entry_bypath")
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else {
            throw GitError.wrapper("blob", "'\(relative)' is not a file in \(commit.short())", kind: .invalidArgument)
        }
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, handle, git_tree_entry_id(entry)), "git_blob_lookup")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let bytes = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: bytes, count: size)
    }

    /// The entries of the folder `path` ("" for the root) in `commit`, in git's order (as
    /// `git ls-tree`). With `recursive`, the files and submodules of all subfolders instead (as
    /// `git ls-tree -r`: folders themselves are not listed). Paths are relative to the root.
    /// Kind `.notFound` when the folder does not exist, `.invalidArgument` when it is a file.
    public func tree(at commit: ObjectID, path: String = "", recursive: Bool = false) throws -> [TreeEntry] {
        let relative = try Self.normalised(path, allowRoot: true)
        let root = try rootTree(of: commit)
        defer { git_tree_free(root) }
        var entries: [TreeEntry] = []
        if relative.isEmpty {
            try list(root, prefix: "", recursive: recursive, into: &entries)
            return entries
        }
        var entry: OpaquePointer?
        try check(git_tree_entry_bypath(&entry, root, relative), "git_tree_entry_bypath")
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else {
            throw GitError.wrapper("tree", "'\(relative)' is not a folder in \(commit.short())", kind: .invalidArgument)
        }
        var subtree: OpaquePointer?
        try check(git_tree_lookup(&subtree, handle, git_tree_entry_id(entry)), "git_tree_lookup")
        defer { git_tree_free(subtree) }
        try list(subtree, prefix: relative + "/", recursive: recursive, into: &entries)
        return entries
    }

    // MARK: - Helpers shared with the writing side

    /// Looks up a commit; the caller frees it with `git_commit_free`.
    func lookupCommit(_ id: ObjectID) throws -> OpaquePointer {
        var oid = id.gitOID
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "git_commit_lookup")
        return commit!
    }

    /// The root tree of a commit; the caller frees it with `git_tree_free`.
    func rootTree(of id: ObjectID) throws -> OpaquePointer {
        let commit = try lookupCommit(id)
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        try check(git_commit_tree(&tree, commit), "git_commit_tree")
        return tree!
    }

    /// Validates a path inside a tree: slash-separated, no empty, `.`, `..` or `.git` parts.
    /// Leading and trailing slashes are dropped.
    static func normalised(_ path: String, allowRoot: Bool) throws -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        var trimmed = parts[...]
        while trimmed.first == "" && trimmed.count > 0 { trimmed = trimmed.dropFirst() }
        while trimmed.last == "" && trimmed.count > 0 { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty {
            if allowRoot { return "" }
            throw GitError.wrapper("path", "empty path", kind: .invalidArgument)
        }
        for part in trimmed {
            if part.isEmpty || part == "." || part == ".." || part.lowercased() == ".git" || part.contains("\0") {
                throw GitError.wrapper("path", "invalid path '\(path)'", kind: .invalidArgument)
            }
        }
        return trimmed.joined(separator: "/")
    }

    private func list(_ tree: OpaquePointer?, prefix: String, recursive: Bool, into entries: inout [TreeEntry]) throws {
        let count = git_tree_entrycount(tree)
        entries.reserveCapacity(entries.count + count)
        for index in 0..<count {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let name = String(cString: git_tree_entry_name(entry))
            let id = ObjectID(git_tree_entry_id(entry))
            let mode = git_tree_entry_filemode(entry)
            let kind: TreeEntry.Kind
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_TREE: kind = .tree
            case GIT_OBJECT_COMMIT: kind = .commit
            default: kind = .blob
            }
            if recursive && kind == .tree {
                var subtree: OpaquePointer?
                try check(git_tree_lookup(&subtree, handle, git_tree_entry_id(entry)), "git_tree_lookup")
                defer { git_tree_free(subtree) }
                try list(subtree, prefix: prefix + name + "/", recursive: true, into: &entries)
                continue
            }
            entries.append(TreeEntry(
                path: prefix + name, name: name, id: id, kind: kind,
                isExecutable: mode == GIT_FILEMODE_BLOB_EXECUTABLE,
                isSymbolicLink: mode == GIT_FILEMODE_LINK))
        }
    }
}

extension Signature {
    /// Copies a libgit2 signature.
    init(_ signature: UnsafePointer<git_signature>?) {
        guard let signature else {
            self.init(name: "", email: "", date: Date(timeIntervalSince1970: 0))
            return
        }
        self.init(
            name: signature.pointee.name.map { String(cString: $0) } ?? "",
            email: signature.pointee.email.map { String(cString: $0) } ?? "",
            date: Date(timeIntervalSince1970: TimeInterval(signature.pointee.when.time)),
            timeZoneOffsetMinutes: Int(signature.pointee.when.offset))
    }
}
