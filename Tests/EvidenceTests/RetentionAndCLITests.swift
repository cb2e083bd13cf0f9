import CLITestSupport
import Evidence
import Foundation
import Git
import Reconcile
import SlipwayCore
import Store
import Testing
import TestSupport
import Zlib

@Suite("Evidence retention, the index and the CLI")
struct RetentionAndCLITests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }

    @Test("prune removes old records in one commit, gzips older logs, and keeps the index in step")
    func pruneAndCompress() throws {
        let world = try EvidenceWorld()
        let writer = world.writer()
        let old = writer.submit(sampleReport(startedAt: Self.daysAgo(100)), logs: sampleLogs)
        let middle = writer.submit(sampleReport(startedAt: Self.daysAgo(40)), logs: sampleLogs)
        let recent = writer.submit(sampleReport(startedAt: Self.daysAgo(1)), logs: sampleLogs)
        try writer.flush()
        // Postmortems and snapshot records are dated by their names; they go with the records.
        func stamp(_ date: Date, _ format: String) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            return formatter.string(from: date)
        }
        let oldPostmortem = "postmortems/\(stamp(Self.daysAgo(100), "yyyyMMdd"))-staging-abc1234.md"
        let newPostmortem = "postmortems/\(stamp(Self.daysAgo(89.9), "yyyyMMdd"))-production-def5678.md"
        let oldSnapshot = "snapshots/slipway_snap_\(stamp(Self.daysAgo(91), "yyyyMMddHHmmss"))_2.json"
        let newSnapshot = "snapshots/slipway_snap_\(stamp(Self.daysAgo(2), "yyyyMMddHHmmss")).json"
        for path in [oldPostmortem, newPostmortem, oldSnapshot, newSnapshot, "postmortems/README.md"] {
            _ = try writer.publishFile(path, data: Data("x\n".utf8), message: "add \(path)")
        }
        let before = GitCLI.lines(try world.git(["rev-list", "slipway/evidence"])).count

        let pruner = EvidencePruner(repository: world.repository, store: world.store)
        let result = try pruner.prune(olderThan: 90 * 86_400, compressAfter: 30 * 86_400, now: Self.now)
        #expect(result.removedFiles == [oldPostmortem, oldSnapshot])
        let kept = GitCLI.lines(try world.git(["ls-tree", "-r", "--name-only", "slipway/evidence"]))
        #expect(!kept.contains(oldPostmortem) && !kept.contains(oldSnapshot))
        #expect(kept.contains(newPostmortem) && kept.contains(newSnapshot) && kept.contains("postmortems/README.md"))
        #expect(result.removed.count == 1)
        #expect(result.compressed.count == 2)
        #expect(result.unindexed == 1)
        let commit = try #require(result.commit)
        #expect(GitCLI.lines(try world.git(["rev-list", "slipway/evidence"])).count == before + 1)
        #expect(try world.git(["rev-parse", "slipway/evidence"]).hasPrefix(commit))

        let files = GitCLI.lines(try world.git(["ls-tree", "-r", "--name-only", "slipway/evidence"]))
        let middlePath = try #require(try world.store.evidence(id: middle.id)?.path)
        let recentPath = try #require(try world.store.evidence(id: recent.id)?.path)
        #expect(!files.contains { $0.contains("/2026/10/") })  // 100 days before 2027-01-15
        #expect(files.contains(middlePath + "/logs/build.log.gz"))
        #expect(!files.contains(middlePath + "/logs/build.log"))
        #expect(files.contains(recentPath + "/logs/build.log"))
        // The compressed log is real gzip: the git CLI's bytes decompress to the redacted log.
        let gz = try rawBlob(world.git.path, "slipway/evidence:\(middlePath)/logs/build.log.gz")
        #expect(String(decoding: try Gzip.decompress(gz), as: UTF8.self) == "building with token ***\nok\n")

        // The index follows.
        #expect(try world.store.evidence(id: old.id) == nil)
        #expect(try world.store.evidence(id: middle.id)?.logs == ["logs/build.log.gz", "logs/deploy.log.gz"])
        #expect(try world.store.evidence(id: recent.id)?.logs == ["logs/build.log", "logs/deploy.log"])
        // Pruning again changes nothing.
        let again = try pruner.prune(olderThan: 90 * 86_400, compressAfter: 30 * 86_400, now: Self.now)
        #expect(again.commit == nil)
        try GitCLI.fsck(world.git.path)
    }

    @Test("slipway evidence reindex rebuilds the index, deployments and builds from the branch, to the same rows")
    func reindexCommand() throws {
        let world = try EvidenceWorld()
        let writer = world.writer()
        writer.submit(sampleReport(startedAt: Date(timeIntervalSince1970: 1_800_000_000.25)), logs: sampleLogs)
        writer.submit(sampleReport(sha: "fedcba9876543210fedcba9876543210fedcba98", startedAt: Date(timeIntervalSince1970: 1_800_000_100.5),
                                   outcome: .failed), logs: sampleLogs)
        try writer.flush()
        writer.submit(sampleReport(environment: "pr-12", kind: .preview, startedAt: Date(timeIntervalSince1970: 1_800_000_200)), logs: sampleLogs)
        try writer.flush()
        let deployments = try world.store.deployments(environment: nil, limit: 100)
        let builds = try world.store.builds(evidenceID: nil, limit: 100)
        let evidence = try world.store.evidence(environment: nil, limit: 100)
        #expect(deployments.count == 3 && builds.count == 6)
        #expect(deployments.first { $0.outcome == "failed" }?.rollbackTarget == "0123456789abcdef0123456789abcdef01234567")

        try world.store.replaceEvidenceIndex([])
        let state = ["--work-dir", world.work.path, "--store", "sqlite:state.db"]
        let reindex = runCLI(["evidence", "reindex", "--repo", world.git.path] + state)
        #expect(reindex.code == 0, "\(reindex.err)")
        #expect(reindex.out == "indexed 3 records\n")
        #expect(try world.store.deployments(environment: nil, limit: 100) == deployments)
        #expect(try world.store.builds(evidenceID: nil, limit: 100) == builds)
        let rebuilt = try world.store.evidence(environment: nil, limit: 100)
        #expect(rebuilt.map(\.id) == evidence.map(\.id))
        #expect(rebuilt.map(\.commit) == evidence.map(\.commit))
        #expect(rebuilt.map(\.path) == evidence.map(\.path) && rebuilt.map(\.logs) == evidence.map(\.logs))
        #expect(rebuilt.map(\.record) == evidence.map(\.record))

        let missing = runCLI(["evidence", "reindex", "--repo", world.git.path, "--branch", "nope"] + state)
        #expect(missing.code == 1)
        #expect(missing.err.contains("no branch nope"))
    }

    @Test("slipway evidence list, show and prune answer from the index and the branch")
    func commandLine() throws {
        let world = try EvidenceWorld()
        let writer = world.writer()
        let staging = writer.submit(sampleReport(startedAt: Date().addingTimeInterval(-100 * 86_400)), logs: sampleLogs)
        let preview = writer.submit(sampleReport(environment: "pr-12", kind: .preview, startedAt: Date().addingTimeInterval(-60)), logs: sampleLogs)
        try writer.flush()
        let state = ["--work-dir", world.work.path, "--store", "sqlite:state.db"]

        let table = runCLI(["evidence", "list"] + state)
        #expect(table.code == 0, "\(table.err)")
        #expect(table.out.hasPrefix("ID"))
        #expect(table.out.contains(staging.id) && table.out.contains(preview.id))
        #expect(table.out.contains("#12"))

        let filtered = runCLI(["evidence", "list", "--env", "pr-12", "--json"] + state)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(filtered.out.utf8)) as? [[String: Any]])
        #expect(array.map { $0["id"] as? String } == [preview.id])
        #expect(array.first?["pull_request"] as? Int == 12)
        #expect(runCLI(["evidence", "list", "--env", "nope"] + state).out == "no evidence for environment 'nope'\n")

        let show = runCLI(["evidence", "show", staging.id] + state)
        #expect(show.code == 0, "\(show.err)")
        #expect(show.out.contains("environment  staging (staging)"))
        #expect(show.out.contains("trigger      delivery:1f2e3d"))
        #expect(show.out.contains("build  exit 0  1.5s  sh build.sh"))
        let json = runCLI(["evidence", "show", staging.id, "--json"] + state)
        #expect(try EvidenceRecord.decode(Data(json.out.utf8)).id == staging.id)
        let missing = runCLI(["evidence", "show", "ffffffffffffffff"] + state)
        #expect(missing.code == 1)
        #expect(missing.err.contains("no evidence record with id 'ffffffffffffffff'"))

        let badDuration = runCLI(["evidence", "prune", "--older-than", "soon", "--repo", world.git.path] + state)
        #expect(badDuration.code == 2)
        let prune = runCLI(["evidence", "prune", "--older-than", "90d", "--compress-after", "30d", "--repo", world.git.path] + state)
        #expect(prune.code == 0, "\(prune.err)")
        #expect(prune.out.contains("removed 1 record, compressed 0 logs"))
        #expect(prune.out.contains("index: 1 record removed"))
        let after = runCLI(["evidence", "list", "--json"] + state)
        let remaining = try #require(try JSONSerialization.jsonObject(with: Data(after.out.utf8)) as? [[String: Any]])
        #expect(remaining.map { $0["id"] as? String } == [preview.id])
        #expect(GitCLI.lines(try world.git(["ls-tree", "-r", "--name-only", "slipway/evidence"])).allSatisfy { !$0.contains("/staging/") })
        try GitCLI.fsck(world.git.path)
    }

    @Test("gzip output is deterministic and what gzip -d reads")
    func gzip() throws {
        let text = String(repeating: "line of a build log\n", count: 500)
        let compressed = try Gzip.compress(Data(text.utf8))
        #expect(Gzip.isGzip(compressed))
        #expect(compressed.count < text.utf8.count / 10)
        #expect(try Gzip.compress(Data(text.utf8)) == compressed)
        #expect(try Gzip.decompress(compressed) == Data(text.utf8))
        #expect(try Gzip.decompress(try Gzip.compress(Data())) == Data())
        let dir = try TemporaryDirectory()
        let file = dir.child("log.gz")
        try compressed.write(to: URL(fileURLWithPath: file))
        let result = try Command.run("/bin/gzip", ["-dc", file], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "gzip -d failed (Debian package gzip): \(result)")
        #expect(result.stdout == text)
        #expect(throws: Gzip.Error.self) { try Gzip.decompress(Data("not gzip".utf8)) }
        #expect(throws: Gzip.Error.self) { try Gzip.decompress(compressed.prefix(20)) }
    }
}

@Suite("The evidence index (SQLite and PostgreSQL)", .postgresCluster)
struct EvidenceIndexTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, postgres }

    func makeStore(_ backend: Backend) throws -> (any Store, AnyObject) {
        switch backend {
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "slipway-store")
            return (try SQLiteStore(path: directory.child("state.db")), directory)
        case .postgres:
            let cluster = try PostgresCluster.current()
            let conninfo = try cluster.createDatabase("evidence_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())
            return (try PostgresStore(url: conninfo), cluster)
        }
    }

    func entry(_ id: String, env: String, at seconds: Double, path: String) -> EvidenceIndexEntry {
        EvidenceIndexEntry(id: id, environment: env, environmentKind: "staging", kind: "deploy", sha: "abc", pullRequest: env == "pr-1" ? 1 : nil,
                           outcome: "succeeded", startedAt: Date(timeIntervalSince1970: seconds), finishedAt: nil, path: path,
                           branch: "slipway/evidence", commit: "c1", record: "{}", logs: ["logs/a.log"])
    }

    @Test("index, list newest first, filter, show, update logs and remove", arguments: Backend.allCases)
    func roundTrip(backend: Backend) throws {
        let (store, keep) = try makeStore(backend)
        defer { withExtendedLifetime(keep) {} }
        try store.indexEvidence([entry("a", env: "staging", at: 100, path: "p/a"), entry("b", env: "pr-1", at: 200, path: "p/b"),
                                 entry("c", env: "staging", at: 300, path: "p/c")])
        #expect(try store.evidence(environment: nil, limit: 10).map(\.id) == ["c", "b", "a"])
        #expect(try store.evidence(environment: "staging", limit: 1).map(\.id) == ["c"])
        #expect(try store.evidence(id: "b")?.pullRequest == 1)
        #expect(try store.evidence(id: "b")?.logs == ["logs/a.log"])
        #expect(try store.evidence(id: "zzz") == nil)
        #expect(try store.evidence(startedBefore: Date(timeIntervalSince1970: 250)).map(\.id) == ["a", "b"])
        try store.updateEvidenceLogs(["p/a": ["logs/a.log.gz"]], commit: "c2")
        #expect(try store.evidence(id: "a")?.logs == ["logs/a.log.gz"])
        #expect(try store.evidence(id: "a")?.commit == "c2")
        // Indexing the same id again replaces it.
        try store.indexEvidence([entry("a", env: "staging", at: 150, path: "p/a")])
        #expect(try store.evidence(environment: nil, limit: 10).count == 3)
        #expect(try store.removeEvidence(paths: ["p/c"], startedBefore: Date(timeIntervalSince1970: 160)) == 2)
        #expect(try store.evidence(environment: nil, limit: 10).map(\.id) == ["b"])
    }
}

/// The exact bytes of a blob, through the git CLI.
func rawBlob(_ gitDir: String, _ object: String) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
    process.arguments = ["--git-dir", gitDir, "cat-file", "blob", object]
    process.environment = GitCLI.environment(home: NSTemporaryDirectory())
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
}
