import Foundation
import SlipwayCore
import Store

extension Diagnostics {
    static let probeKey = "diag:probe"

    func storeChecks() -> [DiagnosticCheck] {
        guard let store = parts.store else {
            return [check("store.open", "store") {
                .fail("the store cannot be opened: \(parts.storeFailure ?? "unknown reason")",
                      fix: "start `slipway serve` once (it creates the store), or give the same --store and --work-dir as serve")
            }]
        }
        var checks: [DiagnosticCheck] = []
        checks.append(check("store.latency", "store") {
            let started = Date()
            let written = UUID().uuidString
            do {
                try store.setValue(written, forKey: Self.probeKey)
                let read = try store.value(forKey: Self.probeKey)
                let seconds = Date().timeIntervalSince(started)
                let figure = String(format: "%.1f ms", seconds * 1000)
                guard read == written else {
                    return .fail("the store did not return what was written to it", fix: "check that only Slipway writes to \(configuration.store)")
                }
                guard seconds < thresholds.storeLatencyWarn else {
                    return .warn("a write and a read took \(figure) (\(store.backendName))",
                                 fix: "check the disk's load (SQLite) or the database server's load and network (PostgreSQL)")
                }
                return .pass("a write and a read took \(figure) (\(store.backendName))")
            } catch {
                return .fail("the store refuses a write: \(error)",
                             fix: "check the disk is neither full nor read-only and the store file's owner (SQLite), or the database server (PostgreSQL)")
            }
        })
        checks.append(check("store.schema", "store") {
            guard let versioned = store as? any SchemaVersioned else {
                return .pass("\(store.backendName) store (its schema version is not reported)")
            }
            let current = StoreSchema.currentVersion
            do {
                let version = try versioned.schemaVersion()
                if version == current { return .pass("schema version \(version), the one this build writes") }
                if version > current {
                    return .fail("the store is at schema version \(version), newer than this build's \(current): a newer Slipway wrote it",
                                 fix: "run the Slipway version that wrote it (or newer), or restore a backup made by this version")
                }
                return .fail("the store is at schema version \(version), older than this build's \(current)",
                             fix: "start `slipway serve` of this version once: it migrates the store")
            } catch {
                return .fail("cannot read the schema version: \(error)", fix: "check the store is a Slipway store (--store)")
            }
        })
        if case .sqlite(let path, _) = configuration.store {
            checks.append(check("store.size", "store") {
                var total: UInt64 = 0
                for file in [path, path + "-wal", path + "-shm"] {
                    let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value ?? 0
                    total += size
                }
                return .pass("\(Self.bytes(total)) on disk (\(path) with its WAL)")
            })
        }
        checks.append(check("store.backlog", "store") {
            do {
                let waiting = try store.journalDepth()
                let queued = try store.jobCounts()[.queued] ?? 0
                let summary = "\(waiting) deliveries waiting, \(queued) jobs queued"
                guard waiting < thresholds.backlogDeliveries, queued < thresholds.backlogJobs else {
                    return .warn("a backlog: \(summary)",
                                 fix: "check `slipway serve` runs and its log for failing deliveries or jobs (`slipway deliveries list`); more --delivery-workers or --workers drain it faster")
                }
                return .pass(summary)
            } catch {
                return .fail("cannot count the backlog: \(error)", fix: "check the store (see store.latency)")
            }
        })
        return checks
    }
}
