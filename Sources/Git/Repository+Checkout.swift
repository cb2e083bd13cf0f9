internal import CGit2
import Foundation

extension Repository {
    /// Writes exactly the files of `commit` into `directory` (created if missing), which must be
    /// outside the repository. Everything already in `directory` is removed first, so nothing
    /// stale survives from an earlier checkout. Executable bits and symbolic links are kept;
    /// `.gitattributes` filters apply as in `git checkout`.
    ///
    /// Works for bare repositories too. The repository's `HEAD`, index and work tree are not
    /// touched.
    public func checkout(commit: ObjectID, into directory: String) throws {
        let target = URL(fileURLWithPath: directory).standardizedFileURL.path
        for own in [path, gitDirectory] {
            let ownPath = URL(fileURLWithPath: own).standardizedFileURL.path
            if target == ownPath || ownPath.hasPrefix(target.hasSuffix("/") ? target : target + "/")
                || target.hasPrefix(ownPath + "/") && own == gitDirectory {
                throw GitError.wrapper("checkout", "refusing to check out into '\(directory)': it holds the repository", kind: .invalidArgument)
            }
        }
        try Self.emptyDirectory(target)

        let tree = try rootTree(of: commit)
        defer { git_tree_free(tree) }
        // An empty in-memory index as the baseline: every file of the target is "new", whatever
        // HEAD or the repository's index say.
        var baseline: OpaquePointer?
        try check(git_index_new(&baseline), "git_index_new")
        defer { git_index_free(baseline) }

        var options = git_checkout_options()
        try check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "git_checkout_options_init")
        options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_RECREATE_MISSING.rawValue
            | GIT_CHECKOUT_DONT_UPDATE_INDEX.rawValue | GIT_CHECKOUT_DONT_WRITE_INDEX.rawValue
        options.baseline_index = baseline
        let result = target.withCString { targetPath in
            options.target_directory = targetPath
            return git_checkout_tree(handle, tree, &options)
        }
        try check(result, "git_checkout_tree")
    }

    /// Creates `directory` or removes everything inside it.
    private static func emptyDirectory(_ directory: String) throws {
        let files = FileManager.default
        do {
            var isDirectory: ObjCBool = false
            if files.fileExists(atPath: directory, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw GitError.wrapper("checkout", "'\(directory)' is not a directory", kind: .invalidArgument)
                }
                for name in try files.contentsOfDirectory(atPath: directory) {
                    try files.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
                }
            } else {
                try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        } catch let error as GitError {
            throw error
        } catch {
            throw GitError.wrapper("checkout", "cannot prepare '\(directory)': \(error)", kind: .other)
        }
    }
}
