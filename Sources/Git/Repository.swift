internal import CGit2
import Foundation

/// An open git repository (bare or with a work tree) on the local disk.
///
/// Owns one `git_repository` handle, opened by `git_repository_open`/`git_repository_init_ext`/
/// `git_clone` and freed with `git_repository_free` in `deinit`. All methods block the calling
/// thread (network operations for as long as the transfer takes): call them from a dedicated
/// thread, not from the cooperative thread pool.
///
/// **Not thread-safe:** use one `Repository` from one thread at a time (libgit2 handles must not
/// be shared between threads, and its error state is per thread). Open one instance per thread
/// instead; instances on the same path are independent. Deliberately not `Sendable`.
public final class Repository {
    /// The `git_repository *`; private to the wrapper.
    let handle: OpaquePointer
    /// `git_remote *` by name, looked up once and reused by every fetch and push (see
    /// `lookupRemote`); freed in `deinit`. Bounded by the remotes this repository has.
    var remotes: [String: OpaquePointer] = [:]

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        for remote in remotes.values { git_remote_free(remote) }
        git_repository_free(handle)
    }

    /// Creates a new repository at `path` (parent folders are created), with `HEAD` pointing at
    /// the unborn branch `refs/heads/<initialBranch>`.
    public static func create(at path: String, bare: Bool, initialBranch: String = "main") throws -> Repository {
        Library.initialise()
        var options = git_repository_init_options()
        try check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)),
                  "git_repository_init_options_init")
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
        if bare { options.flags |= GIT_REPOSITORY_INIT_BARE.rawValue }
        var repository: OpaquePointer?
        let result = initialBranch.withCString { branch in
            options.initial_head = branch
            return git_repository_init_ext(&repository, path, &options)
        }
        try check(result, "git_repository_init_ext")
        return Repository(handle: repository!)
    }

    /// Opens the repository at `path`: a bare repository's folder, a work tree (its `.git` is
    /// used) or a `.git` folder. Does not search parent folders.
    public static func open(at path: String) throws -> Repository {
        Library.initialise()
        var repository: OpaquePointer?
        try check(git_repository_open_ext(&repository, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil),
                  "git_repository_open_ext")
        return Repository(handle: repository!)
    }

    /// Wraps a handle returned by `git_clone`.
    static func adopting(_ handle: OpaquePointer) -> Repository {
        Repository(handle: handle)
    }

    /// The work tree for a non-bare repository, the repository folder for a bare one (no
    /// trailing slash).
    public var path: String {
        if let workdir = git_repository_workdir(handle) {
            return Self.trimmingSlash(String(cString: workdir))
        }
        return gitDirectory
    }

    /// The `.git` folder (or the bare repository's folder), no trailing slash.
    public var gitDirectory: String {
        Self.trimmingSlash(String(cString: git_repository_path(handle)))
    }

    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    private static func trimmingSlash(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
