internal import CGit2

extension Repository {
    /// The size in bytes of the object `id` (a blob's content length), read from the object's
    /// header without loading it: a reader can refuse an oversized blob before it costs memory.
    public func objectSize(_ id: ObjectID) throws -> Int {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb")
        defer { git_odb_free(odb) }
        var size = 0
        var type = GIT_OBJECT_ANY
        var oid = id.gitOID
        try check(git_odb_read_header(&size, &type, odb, &oid), "git_odb_read_header")
        return size
    }
}
