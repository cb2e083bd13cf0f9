import Foundation

/// Retention and the write check, written once for both backends.
extension SQLStateStore {
    /// The key `checkWritable` writes.
    static var writeProbeKey: String { "health:write-probe" }
    /// Rows removed per transaction by a prune, so the journal is never held for long.
    static var pruneBatch: Int { 500 }

    public func checkWritable() throws {
        try setValue(String(Date().timeIntervalSince1970), forKey: Self.writeProbeKey)
    }

    func deliveriesPruned() throws {}

    public func pruneDeliveries(finishedBefore cutoff: Date) throws -> Int {
        let removed = try pruneInBatches("prune deliveries",
                                         """
                                         DELETE FROM deliveries WHERE seq IN (
                                             SELECT seq FROM deliveries
                                             WHERE status IN ('processed', 'ignored', 'rejected', 'failed') AND COALESCE(finished_at, received_at) < ?
                                             ORDER BY seq LIMIT ?)
                                         """, cutoff)
        try deliveriesPruned()
        return removed
    }

    public func pruneJobs(finishedBefore cutoff: Date) throws -> Int {
        // Each environment keeps its newest job, whatever its age (`env show` says how it ended).
        try pruneInBatches("prune jobs",
                           """
                           DELETE FROM jobs WHERE id IN (
                               SELECT id FROM jobs
                               WHERE status IN ('succeeded', 'failed', 'cancelled', 'superseded') AND COALESCE(finished_at, created_at) < ?
                                 AND id NOT IN (SELECT MAX(id) FROM jobs GROUP BY environment)
                               ORDER BY id LIMIT ?)
                           """, cutoff)
    }

    private func pruneInBatches(_ operation: String, _ sql: String, _ cutoff: Date) throws -> Int {
        var total = 0
        while true {
            let removed = try inTransaction(operation) { x in
                try x.change(sql, [.double(cutoff.timeIntervalSince1970), .int(Int64(Self.pruneBatch))])
            }
            total += removed
            if removed < Self.pruneBatch { return total }
        }
    }
}
