internal import CGit2

extension Repository {
    /// The commits reachable from `head` but not from `excluding` (what a fast-forward from
    /// `excluding` to `head` would bring), newest first, at most `limit`; `excluding` nil lists
    /// `head`'s history.
    public func commits(from head: ObjectID, excluding: ObjectID?, limit: Int = 100) throws -> [CommitInfo] {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "git_revwalk_new")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
        var start = head.gitOID
        try check(git_revwalk_push(walk, &start), "git_revwalk_push")
        if let excluding {
            var hidden = excluding.gitOID
            try check(git_revwalk_hide(walk, &hidden), "git_revwalk_hide")
        }
        var result: [CommitInfo] = []
        var oid = git_oid()
        while result.count < limit {
            let code = git_revwalk_next(&oid, walk)
            if code == GIT_ITEROVER.rawValue { break }
            try check(code, "git_revwalk_next")
            result.append(try commit(ObjectID(oid)))
        }
        return result
    }

    /// The first root commit (one without parents) in `head`'s history.
    public func rootCommit(of head: ObjectID) throws -> ObjectID? {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "git_revwalk_new")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue)
        var start = head.gitOID
        try check(git_revwalk_push(walk, &start), "git_revwalk_push")
        var oid = git_oid()
        let code = git_revwalk_next(&oid, walk)
        if code == GIT_ITEROVER.rawValue { return nil }
        try check(code, "git_revwalk_next")
        return ObjectID(oid)
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws -> Bool {
        if ancestor == descendant { return true }
        return try mergeBase(ancestor, descendant) == ancestor
    }

    /// How many commits `of` has that `from` lacks.
    public func commitsAhead(_ of: ObjectID, comparedTo from: ObjectID) throws -> Int {
        var ahead = 0
        var behind = 0
        var a = of.gitOID
        var b = from.gitOID
        try check(git_graph_ahead_behind(&ahead, &behind, handle, &a, &b), "git_graph_ahead_behind")
        return ahead
    }
}
