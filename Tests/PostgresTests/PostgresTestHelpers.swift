import Foundation
import Postgres
import TestSupport

/// A fresh database in the suite's cluster, so parallel tests never see each other's tables.
func freshDatabase() throws -> (cluster: PostgresCluster, conninfo: String) {
    let cluster = try PostgresCluster.current()
    let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    return (cluster, try cluster.createDatabase(name))
}

/// A connection to a fresh database.
func freshConnection(noticeHandler: (@Sendable (PostgresNotice) -> Void)? = nil) throws -> PostgresConnection {
    try PostgresConnection(freshDatabase().conninfo, noticeHandler: noticeHandler)
}

/// Collects values reported from other threads or callbacks.
final class Collector<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Value] = []
    func append(_ value: Value) { lock.withLock { stored.append(value) } }
    var values: [Value] { lock.withLock { stored } }
}

struct Abort: Error {}
