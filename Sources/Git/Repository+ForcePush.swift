internal import CGit2
import Foundation

/// Replacing a branch the caller owns (the bot's docs branch): `git push --force-with-lease`.
extension Repository {
    /// Moves the remote's `reference` (a `refs/heads/...` name) to what the local reference
    /// `source` points at, even when that is not a fast-forward, but only while the remote still
    /// has `expected` there (nil: the branch must not exist yet), as
    /// `git push --force-with-lease=<reference>:<expected>` does. A remote that moved meanwhile
    /// refuses with `.nonFastForward` ("stale info") and keeps its value.
    ///
    /// Only for branches nobody else writes; `push` never forces. On a local remote the lease and
    /// the move are one compare-and-swap under the ref's lock. Over HTTP the lease is checked
    /// against the refs the remote advertises on the connection the push is sent on, and the
    /// server moves the ref only if it still has that advertised value (the smart protocol's
    /// old-value check), so a push in between is never overwritten.
    public func forcePush(remote: String = "origin", source: String, to reference: String, expected: ObjectID?,
                          credentials: GitCredentials? = nil) throws {
        guard reference.hasPrefix("refs/heads/"), source.hasPrefix("refs/"), !reference.contains("*"), !source.contains("*") else {
            throw GitError.wrapper("forcePush", "force-pushing needs a local reference and a remote branch (got '\(source)' -> '\(reference)')",
                                   kind: .invalidArgument)
        }
        let refspec = "\(source):\(reference)"
        let remoteHandle = try lookupRemote(remote)
        if let remotePath = Self.localRemotePath(remoteHandle) {
            try pushToLocalRemote(remoteHandle, at: remotePath, refspecs: [refspec], leases: [reference: expected])
        } else {
            try leasedTransferPush(remoteHandle, refspec: refspec, reference: reference, expected: expected, credentials: credentials)
        }
    }

    /// Connects for a push, checks the advertised value of `reference` against `expected`, then
    /// uploads `+refspec` on the same connection (whose advertised values are the old values the
    /// server checks).
    private func leasedTransferPush(_ remoteHandle: OpaquePointer, refspec: String, reference: String, expected: ObjectID?,
                                    credentials: GitCredentials?) throws {
        let context = TransferContext(credentials: credentials)
        var callbacks = git_remote_callbacks()
        try check(git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION)), "git_remote_init_callbacks")
        context.install(into: &callbacks)
        var options = git_push_options()
        try check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "git_push_options_init")
        options.callbacks = callbacks
        if credentials != nil { options.follow_redirects = GIT_REMOTE_REDIRECT_NONE }
        try context.withHeaders { headers in
            var connect = git_remote_connect_options()
            try check(git_remote_connect_options_init(&connect, UInt32(GIT_REMOTE_CONNECT_OPTIONS_VERSION)), "git_remote_connect_options_init")
            connect.callbacks = callbacks
            connect.custom_headers = headers
            connect.follow_redirects = options.follow_redirects
            let connected = git_remote_connect_ext(remoteHandle, GIT_DIRECTION_PUSH, &connect)
            if connected < 0 { throw context.error(function: "git_remote_connect_ext", code: connected) }
            defer { _ = git_remote_disconnect(remoteHandle) }
            var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
            var count = 0
            try check(git_remote_ls(&heads, &count, remoteHandle), "git_remote_ls")
            var advertised: ObjectID?
            for index in 0..<count {
                guard let head = heads?[index], String(cString: head.pointee.name) == reference else { continue }
                advertised = ObjectID(head.pointee.oid)
            }
            guard advertised == expected else {
                throw GitError(function: "git_remote_push", code: GIT_ENONFASTFORWARD.rawValue, errorClass: Int32(GIT_ERROR_REFERENCE.rawValue),
                               message: "the remote refused \(reference): stale info (the remote has \(advertised.map { String($0.hex.prefix(12)) } ?? "nothing"), not the expected \(expected.map { String($0.hex.prefix(12)) } ?? "nothing"); fetch first)",
                               kind: .nonFastForward)
            }
            options.custom_headers = headers
            let uploaded = withStrArray(["+" + refspec]) { specs in git_remote_upload(remoteHandle, specs, &options) }
            if uploaded < 0 { throw context.error(function: "git_remote_upload", code: uploaded) }
        }
        try Self.throwIfRejected(context, credentials: credentials)
    }
}
