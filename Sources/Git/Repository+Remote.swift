internal import CGit2
import Foundation

extension Repository {
    /// Clones `url` (a local path, `file://`, `http://` or `https://`) into `path`.
    ///
    /// With `branch`, that branch is checked out (and `HEAD` points at it) instead of the
    /// remote's default. With `credentials`, HTTP requests carry basic auth from the first request
    /// on and redirects are not followed (so the header cannot leak to another host).
    public static func clone(
        from url: String, to path: String, bare: Bool = false, branch: String? = nil,
        credentials: GitCredentials? = nil
    ) throws -> Repository {
        Library.initialise()
        var options = git_clone_options()
        try check(git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION)), "git_clone_options_init")
        options.bare = bare ? 1 : 0
        let context = TransferContext(credentials: credentials)
        context.install(into: &options.fetch_opts.callbacks)
        if credentials != nil { options.fetch_opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE }
        var repository: OpaquePointer?
        let result = context.withHeaders { headers in
            options.fetch_opts.custom_headers = headers
            return withOptionalCString(branch) { branchName in
                options.checkout_branch = branchName
                return git_clone(&repository, url, path, &options)
            }
        }
        guard result >= 0, let repository else { throw context.error(function: "git_clone", code: result) }
        return Repository.adopting(repository)
    }

    /// Adds a remote called `name` with the default fetch refspec (`+refs/heads/*:refs/remotes/<name>/*`).
    public func addRemote(name: String, url: String) throws {
        var remote: OpaquePointer?
        try check(git_remote_create(&remote, handle, name, url), "git_remote_create")
        git_remote_free(remote)
        forgetRemote(name)
    }

    /// The fetch URL of the remote `name`, or nil when there is no such remote.
    public func remoteURL(name: String) throws -> String? {
        let remote: OpaquePointer
        do {
            remote = try lookupRemote(name)
        } catch let error as GitError where error.code == GIT_ENOTFOUND.rawValue {
            return nil
        }
        return git_remote_url(remote).map { String(cString: $0) }
    }

    /// Fetches `refspecs` (e.g. `+refs/heads/*:refs/remotes/origin/*`,
    /// `+refs/pull/*/head:refs/remotes/origin/pull/*`) from the remote `remote`.
    ///
    /// Only the given refspecs are used (not the configured ones) and no tags are followed
    /// automatically. With `prune`, local refs matched by a refspec whose source no longer exists
    /// on the remote are deleted.
    public func fetch(
        remote: String = "origin", refspecs: [String], credentials: GitCredentials? = nil, prune: Bool = false
    ) throws {
        let remoteHandle = try lookupRemote(remote)
        var options = git_fetch_options()
        try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "git_fetch_options_init")
        options.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        // No FETCH_HEAD entries (libgit2 still truncates the file): nothing reads them, and
        // writing them looks up the upstream of HEAD's branch, i.e. the remote again (see
        // `lookupRemote` for why that costs memory).
        options.update_fetchhead = 0
        let context = TransferContext(credentials: credentials)
        context.install(into: &options.callbacks)
        if credentials != nil { options.follow_redirects = GIT_REMOTE_REDIRECT_NONE }
        let result = context.withHeaders { headers in
            options.custom_headers = headers
            return withStrArray(refspecs) { specs in
                git_remote_fetch(remoteHandle, specs, &options, "fetch")
            }
        }
        if result < 0 { throw context.error(function: "git_remote_fetch", code: result) }
    }

    /// Pushes `refspecs` (e.g. `refs/heads/main:refs/heads/main`) to the remote `remote`.
    ///
    /// Never forces: a refspec starting with `+` is refused. A push that is not a fast-forward
    /// fails with kind `.nonFastForward` (whether libgit2 notices before sending or the server
    /// refuses the ref); any other refusal by the server fails with kind `.rejected`, and the
    /// message carries the server's status text and what it printed (e.g. hook output). Refs accepted in the same push stay updated on the server.
    ///
    /// To a local remote (an existing directory or a `file://` URL) the update is race-safe as
    /// over smart HTTP: the objects are written into the remote first, then each destination ref
    /// moves by compare-and-swap under git's own ref lock, only if its current value is an
    /// ancestor of the pushed commit (see `pushToLocalRemote`). A ref that moved meanwhile gives
    /// `.nonFastForward`; one whose lock someone else holds for more than 2 s gives `.locked`.
    /// Objects of a refused push stay in the remote, unreferenced, until `git gc` prunes them.
    public func push(remote: String = "origin", refspecs: [String], credentials: GitCredentials? = nil) throws {
        if let forced = refspecs.first(where: { $0.hasPrefix("+") }) {
            throw GitError.wrapper("push", "refusing to force-push '\(forced)'", kind: .invalidArgument)
        }
        let remoteHandle = try lookupRemote(remote)
        if let remotePath = Self.localRemotePath(remoteHandle) {
            try pushToLocalRemote(remoteHandle, at: remotePath, refspecs: refspecs)
        } else {
            try transferPush(remoteHandle, refspecs: refspecs, credentials: credentials)
        }
    }

    /// `git_remote_push` with our callbacks; refusals become errors (see `push`).
    func transferPush(_ remoteHandle: OpaquePointer, refspecs: [String], credentials: GitCredentials?) throws {
        var options = git_push_options()
        try check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "git_push_options_init")
        let context = TransferContext(credentials: credentials)
        context.install(into: &options.callbacks)
        if credentials != nil { options.follow_redirects = GIT_REMOTE_REDIRECT_NONE }
        let result = context.withHeaders { headers in
            options.custom_headers = headers
            return withStrArray(refspecs) { specs in
                git_remote_push(remoteHandle, specs, &options)
            }
        }
        if result < 0 { throw context.error(function: "git_remote_push", code: result) }
        try Self.throwIfRejected(context, credentials: credentials)
    }

    /// Throws what the server said about refused refs after a push or upload, with the
    /// credentials' password masked; nothing when every ref was taken.
    static func throwIfRejected(_ context: TransferContext, credentials: GitCredentials?) throws {
        guard let rejection = context.rejections.first else { return }
        var message = "the remote refused " + context.rejections.map { "\($0.reference): \($0.status)" }.joined(separator: "; ")
        let remoteSaid = context.remoteMessages
        if !remoteSaid.isEmpty { message += " (remote: " + remoteSaid.joined(separator: " / ") + ")" }
        if let password = credentials?.password, !password.isEmpty {
            message = message.replacingOccurrences(of: password, with: "***")
        }
        throw GitError(function: "git_remote_push", code: GIT_ERROR.rawValue, errorClass: Int32(GIT_ERROR_REFERENCE.rawValue),
                       message: message, kind: kind(ofPushStatus: rejection.status))
    }

    /// Classifies the server's status text for a refused ref.
    static func kind(ofPushStatus status: String) -> GitError.Kind {
        let lowered = status.lowercased()
        let nonFastForward = ["non-fast-forward", "non-fast forward", "fetch first", "stale info", "not a fast-forward"]
        return nonFastForward.contains(where: { lowered.contains($0) }) ? .nonFastForward : .rejected
    }

    /// The remote `name`, looked up once per repository object and owned by it (callers do not
    /// free it).
    ///
    /// Looked up once because libgit2 1.5's `git_remote_lookup` leaks: it scans the whole
    /// configuration for `url.*.insteadOf` with a regex, and its `git_regexp_match` does not free
    /// the PCRE2 match data (with PCRE2's ~20 KB of match frames) when a key does not match
    /// (fixed upstream by libgit2 PR #6382, after 1.5). That is about 20 KB per configuration
    /// entry per lookup; heaptrack showed ~430 KB per fetch on a mirror reconciled every second.
    func lookupRemote(_ name: String) throws -> OpaquePointer {
        if let cached = remotes[name] { return cached }
        var remote: OpaquePointer?
        try check(git_remote_lookup(&remote, handle, name), "git_remote_lookup")
        remotes[name] = remote!
        return remote!
    }

    /// Drops the cached handle of `name` (its configuration changed).
    func forgetRemote(_ name: String) {
        if let remote = remotes.removeValue(forKey: name) { git_remote_free(remote) }
    }
}

/// Calls `body` with a C string for `string`, or NULL when it is nil.
func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) throws -> R) rethrows -> R {
    guard let string else { return try body(nil) }
    return try string.withCString { try body($0) }
}
