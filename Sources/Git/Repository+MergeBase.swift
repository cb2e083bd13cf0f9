internal import CGit2

extension Repository {
    /// The best common ancestor of `one` and `two`, or nil when they share no history.
    public func mergeBase(_ one: ObjectID, _ two: ObjectID) throws -> ObjectID? {
        var result = git_oid()
        var a = one.gitOID
        var b = two.gitOID
        let code = git_merge_base(&result, handle, &a, &b)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "git_merge_base")
        return ObjectID(result)
    }
}
