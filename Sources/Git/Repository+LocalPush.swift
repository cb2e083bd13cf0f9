internal import CGit2
import Foundation

/// Pushing to a remote on the local disk without losing anyone's commit.
///
/// libgit2's local transport moves the destination ref unconditionally (it checks for a
/// fast-forward against the value it listed when connecting, then overwrites whatever is there),
/// so two pushers, or the bot and a person running `git push`, can overwrite each other. Here the
/// objects are written as libgit2's local transport writes them (a pack built in this repository,
/// stored in the remote's `objects/pack`), then each destination ref moves by compare-and-swap
/// under git's own ref lock (`refs/heads/<name>.lock`, as the git CLI takes it).
///
/// No temporary ref is involved: libgit2's local transport lists a repository's refs and then
/// looks each one up, so any ref deleted in between makes a concurrent clone, fetch or push from
/// that repository fail ("reference ... not found"); a temporary ref per push would make that
/// frequent.
extension Repository {
    /// How long to wait for a destination ref locked by someone else before giving up
    /// (the git CLI waits 100 ms by default; ours is generous because held locks are short).
    static let referenceLockPatience: TimeInterval = 2

    /// The folder of a remote that libgit2 would reach through its local transport: a
    /// `file:///...` (or `file://localhost/...`) URL, or a path without `:` naming an existing
    /// directory (libgit2's own rule). Nil for anything else (HTTP, SSH, missing paths).
    static func localRemotePath(_ remote: OpaquePointer) -> String? {
        guard let url = (git_remote_pushurl(remote) ?? git_remote_url(remote)).map({ String(cString: $0) }) else {
            return nil
        }
        return localPath(ofRemoteURL: url)
    }

    static func localPath(ofRemoteURL url: String) -> String? {
        if url.hasPrefix("file://") {
            let path: Substring
            if url.hasPrefix("file:///") {
                path = url.dropFirst("file://".count)
            } else if url.hasPrefix("file://localhost/") {
                path = url.dropFirst("file://localhost".count)
            } else {
                return nil
            }
            return String(path).removingPercentEncoding
        }
        guard !url.isEmpty, !url.contains(":") else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return url
    }

    /// One refspec of a local push.
    private struct LocalUpdate {
        /// The remote ref to move, as given.
        let destination: String
        /// What the source names in this repository; nil for a deletion (empty source).
        let value: ObjectID?
        /// With a lease (`forcePush`): the value the destination must still have (nil inside:
        /// must not exist); the new value need not contain it. Without one: fast-forwards only.
        var lease: ObjectID?? = nil
    }

    /// A destination ref the local remote did not take, with a status worded like a server's.
    private struct LocalRefusal: Error {
        let reference: String
        let status: String
        let kind: GitError.Kind
    }

    /// Pushes to the repository at `remotePath` (see the type comment):
    /// 1. the objects the remote lacks (reachable from the sources, minus everything reachable
    ///    from the remote's refs) go into a new pack in the remote's `objects/pack`;
    /// 2. in the remote repository, each destination moves from its current value to the pushed
    ///    one with `git_reference_create_matching` (locked, compare-and-swap), only when the
    ///    current value is an ancestor (`.nonFastForward` otherwise, also when the ref keeps
    ///    moving), or is created when absent (expected: all zeros, i.e. must not exist).
    ///
    /// `betweenSteps` runs between 1 and 2 (tests use it to race another pusher
    /// deterministically); `lockPatience` bounds the wait for a ref someone else has locked.
    func pushToLocalRemote(
        _ remoteHandle: OpaquePointer, at remotePath: String, refspecs: [String],
        lockPatience: TimeInterval = referenceLockPatience, leases: [String: ObjectID?] = [:], betweenSteps: () throws -> Void = {}
    ) throws {
        let updates = try refspecs.map { refspec -> LocalUpdate in
            let (source, destination) = try Self.parsePushRefspec(refspec)
            return LocalUpdate(destination: destination, value: source.isEmpty ? nil : try revision(source), lease: leases[destination])
        }
        let target = try Repository.open(at: remotePath)
        guard target.isBare else {
            // As libgit2's local transport: a push could move the branch checked out there.
            throw GitError(function: "git_remote_push", code: GIT_EBAREREPO.rawValue, errorClass: Int32(GIT_ERROR_INVALID.rawValue),
                           message: "local push doesn't (yet) support pushing to non-bare repos.", kind: .other)
        }
        try sendObjects(updates.compactMap(\.value), to: target)
        try betweenSteps()

        var refusals: [LocalRefusal] = []
        for update in updates {
            do {
                let value = try target.applyPushedUpdate(
                    destination: update.destination, pushed: update.value, lease: update.lease, lockPatience: lockPatience)
                updateTrackingReference(remoteHandle, remoteReference: update.destination, to: value)
            } catch let refusal as LocalRefusal {
                refusals.append(refusal)
            } catch let error as GitError {
                refusals.append(LocalRefusal(reference: update.destination, status: error.message, kind: error.kind))
            }
        }
        guard let first = refusals.first else { return }
        let code: Int32 = switch first.kind {
        case .nonFastForward: GIT_ENONFASTFORWARD.rawValue
        case .locked: GIT_ELOCKED.rawValue
        default: GIT_ERROR.rawValue
        }
        throw GitError(
            function: "git_remote_push", code: code, errorClass: Int32(GIT_ERROR_REFERENCE.rawValue),
            message: "the remote refused " + refusals.map { "\($0.reference): \($0.status)" }.joined(separator: "; "),
            kind: first.kind)
    }

    /// The object `revision` names here, unpeeled (an annotated tag stays the tag).
    private func revision(_ revision: String) throws -> ObjectID {
        var object: OpaquePointer?
        try check(git_revparse_single(&object, handle, revision), "git_revparse_single")
        defer { git_object_free(object) }
        return ObjectID(git_object_id(object))
    }

    /// Step 1, as libgit2's push builds its pack: commits through a revision walk that hides
    /// every tip of the remote we also have, other objects (tags, trees) with what they reference.
    private func sendObjects(_ objects: [ObjectID], to remote: Repository) throws {
        guard !objects.isEmpty else { return }
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "git_revwalk_new")
        defer { git_revwalk_free(walk) }
        var builder: OpaquePointer?
        try check(git_packbuilder_new(&builder, handle), "git_packbuilder_new")
        defer { git_packbuilder_free(builder) }
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb")
        defer { git_odb_free(odb) }

        var commits = 0
        for id in objects {
            var oid = id.gitOID
            var object: OpaquePointer?
            try check(git_object_lookup(&object, handle, &oid, GIT_OBJECT_ANY), "git_object_lookup")
            let type = git_object_type(object)
            git_object_free(object)
            if type == GIT_OBJECT_COMMIT {
                try check(git_revwalk_push(walk, &oid), "git_revwalk_push")
                commits += 1
            } else {
                try check(git_packbuilder_insert_recur(builder, &oid, nil), "git_packbuilder_insert_recur")
            }
        }
        if commits > 0 {
            // The remote's refs iterator skips refs deleted while it runs (unlike a listing).
            var iterator: OpaquePointer?
            try check(git_reference_iterator_new(&iterator, remote.handle), "git_reference_iterator_new")
            defer { git_reference_iterator_free(iterator) }
            while true {
                var reference: OpaquePointer?
                let result = git_reference_next(&reference, iterator)
                if result == GIT_ITEROVER.rawValue { break }
                try check(result, "git_reference_next")
                defer { git_reference_free(reference) }
                guard git_reference_type(reference) == GIT_REFERENCE_DIRECT, let target = git_reference_target(reference)
                else { continue }
                var tip = target.pointee
                // Only an optimisation: a tip we lack or that is no commit is simply not hidden.
                if git_odb_exists(odb, &tip) == 1, git_revwalk_hide(walk, &tip) < 0 { git_error_clear() }
            }
            try check(git_packbuilder_insert_walk(builder, walk), "git_packbuilder_insert_walk")
        }
        guard git_packbuilder_object_count(builder) > 0 else { return }
        var objectsPath = git_buf()
        defer { git_buf_dispose(&objectsPath) }
        try check(git_repository_item_path(&objectsPath, remote.handle, GIT_REPOSITORY_ITEM_OBJECTS), "git_repository_item_path")
        let packFolder = (String(cString: objectsPath.ptr) as NSString).appendingPathComponent("pack")
        try check(git_packbuilder_write(builder, packFolder, 0, nil, nil), "git_packbuilder_write")
    }

    /// Source and destination of a push refspec (no `+`: checked by `push`). Refuses what
    /// libgit2's push refuses too: wildcards, destinations outside `refs/`.
    static func parsePushRefspec(_ refspec: String) throws -> (source: String, destination: String) {
        var parsed: OpaquePointer?
        try check(git_refspec_parse(&parsed, refspec, 0), "git_refspec_parse")
        defer { git_refspec_free(parsed) }
        let source = git_refspec_src(parsed).map { String(cString: $0) } ?? ""
        let destination = git_refspec_dst(parsed).map { String(cString: $0) } ?? ""
        if refspec.contains("*") {
            throw GitError.wrapper("push", "wildcard refspecs cannot be pushed: '\(refspec)'", kind: .invalidArgument)
        }
        guard destination.hasPrefix("refs/") else {
            throw GitError.wrapper("push", "not a valid reference '\(destination)'", kind: .invalidArgument)
        }
        return (source, destination)
    }

    /// In the remote repository (`self`): moves `destination` to `pushed` (or deletes it when
    /// `pushed` is nil) by compare-and-swap, and returns its new value. With a `lease`, the
    /// current value must be the leased one instead of an ancestor of `pushed`.
    private func applyPushedUpdate(destination: String, pushed: ObjectID?, lease: ObjectID??, lockPatience: TimeInterval) throws -> ObjectID? {
        let deadline = Date().addingTimeInterval(lockPatience)
        var pause: useconds_t = 1_000
        while true {
            let (name, current) = try directReference(destination)
            let result: Int32
            if let pushed {
                if current == pushed { return pushed }
                if let lease {
                    if current != lease {
                        throw LocalRefusal(
                            reference: destination,
                            status: "stale info (the remote has \(current.map { String($0.hex.prefix(12)) } ?? "nothing"), not the expected \(lease.map { String($0.hex.prefix(12)) } ?? "nothing"); fetch first)",
                            kind: .nonFastForward)
                    }
                } else if let current, !isDescendant(pushed, of: current) {
                    throw LocalRefusal(
                        reference: destination,
                        status: "non-fast-forward (the remote has \(current.hex.prefix(12)), which \(pushed.hex.prefix(12)) does not contain; fetch first)",
                        kind: .nonFastForward)
                }
                var newOID = pushed.gitOID
                var expectedOID = current?.gitOID ?? git_oid()  // all zeros: the ref must not exist
                var reference: OpaquePointer?
                result = git_reference_create_matching(&reference, handle, name, &newOID, 1, &expectedOID, "push")
                git_reference_free(reference)
            } else {
                guard current != nil else { return nil }  // Already gone: a success, as libgit2 has it.
                var reference: OpaquePointer?
                let lookup = git_reference_lookup(&reference, handle, name)
                result = lookup < 0 ? lookup : git_reference_delete(reference)  // checks the value it looked up
                git_reference_free(reference)
            }
            if result >= 0 { return pushed }
            let error = GitError.fromLastError(
                function: pushed == nil ? "git_reference_delete" : "git_reference_create_matching", code: result)
            let patient = Date() < deadline
            switch result {
            case GIT_EMODIFIED.rawValue, GIT_ENOTFOUND.rawValue:
                // It moved between our read and the swap: judge the new value.
                if patient { continue }
                throw LocalRefusal(reference: destination, status: "stale info (the ref kept moving while pushing; fetch first)",
                                   kind: .nonFastForward)
            case GIT_ELOCKED.rawValue:
                // Someone (another pusher, the git CLI) holds the ref's lock: wait briefly, as git does.
                if patient {
                    usleep(pause)
                    pause = min(pause * 2, 50_000)
                    continue
                }
                throw LocalRefusal(reference: destination, status: "cannot lock ref: \(error.message)", kind: .locked)
            default:
                throw error
            }
        }
    }

    /// The direct ref `name` leads to (following symbolic refs, as `git push` does) and its
    /// value; nil when that ref does not exist.
    private func directReference(_ name: String) throws -> (name: String, value: ObjectID?) {
        var current = name
        for _ in 0..<5 {
            var reference: OpaquePointer?
            let result = git_reference_lookup(&reference, handle, current)
            if result == GIT_ENOTFOUND.rawValue { return (current, nil) }
            try check(result, "git_reference_lookup")
            defer { git_reference_free(reference) }
            if git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC {
                current = String(cString: git_reference_symbolic_target(reference))
                continue
            }
            guard let oid = git_reference_target(reference) else { return (current, nil) }
            return (current, ObjectID(oid))
        }
        throw GitError.wrapper("push", "too many levels of symbolic references from \(name)", kind: .invalidArgument)
    }

    /// Whether `commit` has `ancestor` in its history (false for non-commits).
    private func isDescendant(_ commit: ObjectID, of ancestor: ObjectID) -> Bool {
        var commitOID = commit.gitOID
        var ancestorOID = ancestor.gitOID
        return git_graph_descendant_of(handle, &commitOID, &ancestorOID) == 1
    }

    /// What `git_remote_push` does after a successful push: the tracking ref that the remote's
    /// first matching fetch refspec maps `remoteReference` to follows the new value.
    private func updateTrackingReference(_ remoteHandle: OpaquePointer, remoteReference: String, to value: ObjectID?) {
        guard let local = Self.trackingName(remoteHandle, for: remoteReference) else { return }
        if var oid = value?.gitOID {
            var reference: OpaquePointer?
            if git_reference_create(&reference, handle, local, &oid, 1, "update by push") >= 0 {
                git_reference_free(reference)
            }
        } else {
            _ = git_reference_remove(handle, local)
        }
    }

    /// The local ref the remote's first fetch refspec matching `name` maps it to.
    private static func trackingName(_ remote: OpaquePointer, for name: String) -> String? {
        for index in 0..<git_remote_refspec_count(remote) {
            guard let spec = git_remote_get_refspec(remote, index), git_refspec_direction(spec) == GIT_DIRECTION_FETCH,
                  git_refspec_src_matches(spec, name) != 0 else { continue }
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            guard git_refspec_transform(&buffer, spec, name) >= 0, let pointer = buffer.ptr else { return nil }
            return String(cString: pointer)
        }
        return nil
    }
}

extension Repository {
    /// `push` to a local remote with `betweenSteps` run after the objects arrived and before the
    /// destination refs move. For tests only.
    func pushToLocalRemote(
        remote: String = "origin", refspecs: [String], lockPatience: TimeInterval = referenceLockPatience,
        betweenSteps: () throws -> Void
    ) throws {
        let remoteHandle = try lookupRemote(remote)
        guard let path = Self.localRemotePath(remoteHandle) else {
            throw GitError.wrapper("push", "the remote '\(remote)' is not local", kind: .invalidArgument)
        }
        try pushToLocalRemote(remoteHandle, at: path, refspecs: refspecs, lockPatience: lockPatience,
                              betweenSteps: betweenSteps)
    }
}
