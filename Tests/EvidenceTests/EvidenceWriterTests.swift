import Evidence
import Foundation
import Git
import Reconcile
import SlipwayCore
import Store
import Testing
import TestSupport

/// A bare remote with history on main, a mirror of it, and a store.
struct EvidenceWorld {
    let git: GitFixture
    let work: TemporaryDirectory
    let repository: ManagedRepository
    let store: any Store

    init() throws {
        git = try GitFixture()
        try git.commit("main", GitFixture.baseFiles, message: "app")
        work = try TemporaryDirectory(prefix: "slipway-evidence")
        repository = try ManagedRepository.prepare(source: git.path, workDir: work.child("mirror"))
        store = try SQLiteStore(path: work.child("state.db"))
    }

    func writer(branch: String = "slipway/evidence", window: TimeInterval = 600, on repository: ManagedRepository? = nil,
                store: (any Store)? = nil) -> EvidenceWriter {
        EvidenceWriter(repository: repository ?? self.repository, store: store ?? self.store, configuration: .init(
            branch: branch, repositoryName: "octo/app", batchWindow: window, redactor: Redactor(secrets: ["s3cr3t-value-123"])))
    }

    func git(_ arguments: [String]) throws -> String {
        try GitCLI.run(["--git-dir", git.path] + arguments)
    }
}

@Suite("Evidence on the evidence branch")
struct EvidenceWriterTests {
    @Test("records and their redacted logs land under evidence/<env>/<date>/<time>-<sha7>-<kind>/, batched into one bot commit")
    func batchedCommit() throws {
        let world = try EvidenceWorld()
        let writer = world.writer()
        let staging = writer.submit(sampleReport(), logs: sampleLogs)
        let preview = writer.submit(sampleReport(environment: "pr-12", kind: .preview, sha: "fedcba9876543210fedcba9876543210fedcba98",
                                                 startedAt: Date(timeIntervalSince1970: 1_800_003_661), outcome: .failed), logs: sampleLogs)
        let teardown = writer.submit(sampleReport(environment: "pr-12", kind: .preview, jobKind: "teardown",
                                                  startedAt: Date(timeIntervalSince1970: 1_800_003_700), trigger: "reconcile"))
        #expect(writer.pendingCount == 3)
        let batch = try #require(try writer.flush())
        #expect(writer.pendingCount == 0)
        #expect(batch.attempts == 1)
        #expect(try writer.flush() == nil)

        // One commit on the branch, by the bot, with the trailer naming every record.
        let log = try world.git(["log", "--format=%H%x00%an <%ae>%x00%B%x01", "slipway/evidence"])
        let commits = log.split(separator: "\u{01}").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        #expect(commits.count == 1)
        let fields = commits[0].split(separator: "\0").map(String.init)
        #expect(fields[0] == batch.commit)
        #expect(fields[1] == "slipway[bot] <slipway[bot]@users.noreply.github.com>")
        #expect(fields[2].contains("Slipway-Evidence: \(staging.id), \(preview.id), \(teardown.id)"))
        let trailers = try GitCLI.run(["--git-dir", world.git.path, "log", "-1", "--format=%(trailers:key=Slipway-Evidence,valueonly)", "slipway/evidence"])
        #expect(trailers.contains(staging.id))

        // The paths, exactly.
        let files = Set(GitCLI.lines(try world.git(["ls-tree", "-r", "--name-only", "slipway/evidence"])))
        #expect(files == [
            "evidence/staging/2027/01/15/080000-0123456-deploy/record.json",
            "evidence/staging/2027/01/15/080000-0123456-deploy/logs/build.log",
            "evidence/staging/2027/01/15/080000-0123456-deploy/logs/deploy.log",
            "evidence/pr-12/2027/01/15/090101-fedcba9-deploy/record.json",
            "evidence/pr-12/2027/01/15/090101-fedcba9-deploy/logs/build.log",
            "evidence/pr-12/2027/01/15/090101-fedcba9-deploy/logs/deploy.log",
            "evidence/pr-12/2027/01/15/090140-0123456-teardown/record.json",
        ])
        // Logs are redacted; records decode and hold ISO 8601 UTC times.
        let buildLog = try world.git(["show", "slipway/evidence:evidence/staging/2027/01/15/080000-0123456-deploy/logs/build.log"])
        #expect(buildLog == "building with token ***\nok\n")
        let json = try world.git(["show", "slipway/evidence:evidence/staging/2027/01/15/080000-0123456-deploy/record.json"])
        #expect(json.contains(#""started_at" : "2027-01-15T08:00:00.250Z""#))
        #expect(json.contains(#""$schema" : "https://slipway.dev/schemas/evidence/v1""#))
        let record = try EvidenceRecord.decode(Data(json.utf8))
        #expect(record.id == staging.id)
        #expect(record.repository == "octo/app")
        #expect(record.trigger == .init(type: "delivery", id: "1f2e3d", actor: nil, raw: "delivery:1f2e3d"))
        #expect(record.logs == ["logs/build.log", "logs/deploy.log"])
        #expect(record.steps.map(\.log) == ["logs/build.log", "logs/deploy.log"])
        #expect(record.durationSeconds == 4)

        // Indexed in the store.
        let indexed = try world.store.evidence(environment: nil, limit: 10)
        #expect(indexed.map(\.id) == [teardown.id, preview.id, staging.id])
        #expect(indexed.allSatisfy { $0.commit == batch.commit && $0.branch == "slipway/evidence" })
        #expect(try world.store.evidence(id: preview.id)?.outcome == "failed")
        #expect(try world.store.evidence(environment: "staging", limit: 10).map(\.path) == ["evidence/staging/2027/01/15/080000-0123456-deploy"])
        // main is untouched.
        #expect(try world.git(["rev-parse", "main"]).hasPrefix(try world.git.head("main")))
        try GitCLI.fsck(world.git.path)
    }

    @Test("the batching thread commits records submitted within the window together, and shutdown flushes the rest")
    func batchingWindow() throws {
        let world = try EvidenceWorld()
        let writer = world.writer(window: 0.3)
        writer.start()
        writer.submit(sampleReport(), logs: sampleLogs)
        writer.submit(sampleReport(environment: "production", kind: .production, startedAt: Date(timeIntervalSince1970: 1_800_000_100)))
        try Eventually.wait(for: "the batch to be committed", timeout: 20) { writer.pendingCount == 0 && (try? world.store.evidence(environment: nil, limit: 10).count) == 2 }
        #expect(GitCLI.lines(try world.git(["rev-list", "slipway/evidence"])).count == 1)
        writer.submit(sampleReport(environment: "staging", startedAt: Date(timeIntervalSince1970: 1_800_000_200)))
        writer.shutdown()
        #expect(writer.pendingCount == 0)
        #expect(GitCLI.lines(try world.git(["rev-list", "slipway/evidence"])).count == 2)
        #expect(try world.store.evidence(environment: nil, limit: 10).count == 3)
        try GitCLI.fsck(world.git.path)
    }

    @Test("the evidence branch may be main: records go on top of its history")
    func onMain() throws {
        let world = try EvidenceWorld()
        let before = try world.git.head("main")
        let writer = world.writer(branch: "main")
        writer.submit(sampleReport(), logs: sampleLogs)
        writer.submit(sampleReport(startedAt: Date(timeIntervalSince1970: 1_800_000_000.75)))
        let batch = try #require(try writer.flush())
        #expect(try world.git(["rev-parse", "main^"]).trimmingCharacters(in: .whitespacesAndNewlines) == before)
        let files = GitCLI.lines(try world.git(["ls-tree", "-r", "--name-only", "main"]))
        #expect(files.contains("README.md"))
        // Same second, same SHA, same kind: the second folder gets a suffix, nothing is overwritten.
        #expect(files.contains("evidence/staging/2027/01/15/080000-0123456-deploy/record.json"))
        #expect(files.contains("evidence/staging/2027/01/15/080000-0123456-deploy-2/record.json"))
        #expect(batch.entries.map(\.path).sorted() == ["evidence/staging/2027/01/15/080000-0123456-deploy", "evidence/staging/2027/01/15/080000-0123456-deploy-2"])
        try GitCLI.fsck(world.git.path)
    }

    @Test("concurrent pushers over smart HTTP (three writers on their own mirrors and a person with the git CLI) lose nothing")
    func concurrentPushers() throws {
        let world = try EvidenceWorld()
        let server = try SmartHTTPGit(root: world.git.directory.path, log: world.work.child("http.log"))
        defer { server.stop() }
        let credentials = GitCredentials(username: SmartHTTPGit.username, password: SmartHTTPGit.password)
        let writers = 3, rounds = 4, perRound = 2, personCommits = 6
        var mirrors: [ManagedRepository] = []
        for index in 0..<writers {
            mirrors.append(try ManagedRepository.prepare(source: server.url("remote.git"), workDir: world.work.child("replica-\(index)"),
                                                         credentials: credentials))
        }
        func writer(_ repository: ManagedRepository) -> EvidenceWriter {
            EvidenceWriter(repository: repository, store: world.store, configuration: .init(
                repositoryName: "octo/app", batchWindow: 600, credentials: credentials, redactor: Redactor(secrets: ["s3cr3t-value-123"])))
        }
        // The person works in a clone of the evidence branch once it exists.
        let seed = writer(mirrors[0])
        seed.submit(sampleReport(startedAt: Date(timeIntervalSince1970: 1_700_000_000)))
        try seed.flush()
        let home = try TemporaryDirectory(prefix: "slipway-home")
        let clone = home.child("clone")
        try GitCLI.run(["clone", "-q", "--branch", "slipway/evidence", server.url("remote.git", withCredentials: true), clone], home: home.path)

        let failures = FailureBox(), contested = FailureBox()
        let group = DispatchGroup()
        for index in 0..<writers {
            group.enter()
            let writer = writer(mirrors[index])
            let thread = Thread {
                defer { group.leave() }
                do {
                    for round in 0..<rounds {
                        for item in 0..<perRound {
                            let start = Date(timeIntervalSince1970: 1_800_000_000 + Double(index * 1000 + round * 10 + item))
                            writer.submit(sampleReport(environment: "env-\(index)", startedAt: start), logs: sampleLogs)
                        }
                        // A flush that loses every race keeps its records pending; the
                        // service's thread would flush again later, so this loop does too.
                        var tries = 0
                        while writer.pendingCount > 0 {
                            tries += 1
                            do { try writer.flush() } catch let error as PublishError where tries < 5 { _ = error }
                        }
                        if tries > 1 { contested.add("writer \(index) round \(round): \(tries) flushes") }
                    }
                } catch {
                    failures.add("writer \(index): \(error)")
                }
            }
            thread.start()
        }
        group.enter()
        let person = Thread {
            defer { group.leave() }
            do {
                for number in 0..<personCommits {
                    try home.write("clone/notes/person-\(number).md", "note \(number)\n")
                    try GitCLI.run(["add", "-A"], cwd: clone, home: home.path)
                    try GitCLI.run(["commit", "-q", "-m", "person \(number)"], cwd: clone, home: home.path)
                    var pushed = false
                    for _ in 0..<50 where !pushed {
                        let push = try GitCLI.tryRun(["push", "-q", "origin", "HEAD:slipway/evidence"], cwd: clone, home: home.path)
                        if push.status == 0 { pushed = true; break }
                        try GitCLI.run(["pull", "-q", "--rebase", "origin", "slipway/evidence"], cwd: clone, home: home.path)
                    }
                    if !pushed { failures.add("person could not push commit \(number)") }
                }
            } catch {
                failures.add("person: \(error)")
            }
        }
        person.start()
        #expect(group.wait(timeout: .now() + 120) == .success, "pushers did not finish in 120 s")
        #expect(failures.messages.isEmpty, "\(failures.messages)")
        print("concurrent pushers: \(contested.messages.count) contested flushes \(contested.messages)")

        let files = GitCLI.lines(try world.git(["ls-tree", "-r", "--name-only", "slipway/evidence"]))
        let records = files.filter { $0.hasSuffix("/record.json") }
        #expect(records.count == 1 + writers * rounds * perRound)
        #expect(files.filter { $0.hasPrefix("notes/person-") }.count == personCommits)
        let commits = GitCLI.lines(try world.git(["rev-list", "slipway/evidence"]))
        #expect(commits.count == 1 + writers * rounds + personCommits)
        // Linear history: nobody merged, nobody forced.
        #expect(GitCLI.lines(try world.git(["rev-list", "--merges", "slipway/evidence"])).isEmpty)
        let bot = GitCLI.lines(try world.git(["log", "--format=%an", "slipway/evidence"])).filter { $0 == "slipway[bot]" }
        #expect(bot.count == 1 + writers * rounds)
        // Every record is indexed once.
        #expect(try world.store.evidence(environment: nil, limit: 1000).count == 1 + writers * rounds * perRound)
        try GitCLI.fsck(world.git.path)
    }

    @Test("a record's JSON uses only fields the published schema declares, with every required one")
    func schemaFields() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
        let schemaData = try Data(contentsOf: root.appendingPathComponent("evidence/SCHEMA.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        let properties = try #require(schema["properties"] as? [String: Any])
        let required = try #require(schema["required"] as? [String])
        var report = sampleReport(outcome: .failed)
        report.approver = "octocat"
        let record = EvidenceRecord(id: "0123456789abcdef", repository: "octo/app", report: report,
                                    trigger: .init(parsing: report.trigger))
        let object = try #require(try JSONSerialization.jsonObject(with: try record.encoded()) as? [String: Any])
        #expect(Set(object.keys).isSubset(of: Set(properties.keys)), "\(Set(object.keys).subtracting(properties.keys))")
        #expect(Set(required).isSubset(of: Set(object.keys)))
        // Stable bytes: encoding twice gives the same output, keys sorted.
        #expect(try record.encoded() == record.encoded())
        let text = String(decoding: try record.encoded(), as: UTF8.self)
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted())
    }
}

final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ message: String) { lock.lock(); items.append(message); lock.unlock() }
    var messages: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
