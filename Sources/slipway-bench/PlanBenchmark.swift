import Foundation
import Git
import Reconcile
import SlipwayCore
import Store

/// Plans a repository with many open PRs and refs, and reports where the time goes.
enum PlanBenchmark {
    static let previewSpec = """
    kind: preview
    name: "pr-{{pr.number}}"
    match: { pull_request: { base: main } }
    build: [{ run: "sh build.sh", timeout: 5m }]
    deploy: { run: "sh serve.sh" }
    health: { path: /healthz, timeout: 60s }
    ttl: 72h
    env: { APP_ENV: preview }
    neutralize: { mail: catch-all, crons: off, forbid: ["sk_live_*"] }
    """
    static let stagingSpec = """
    kind: staging
    name: staging
    match: { branch: main }
    deploy: { run: "sh serve.sh" }
    neutralize: { mail: catch-all, crons: off }
    """

    static func run(prs: Int, refs: Int) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-bench-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let author = Signature(name: "bench", email: "bench@example.com")

        print("building a repository with \(prs) open PRs and \(refs) refs ...")
        let setup = Date()
        let remote = try Repository.create(at: root + "/remote.git", bare: true)
        let main = try remote.commit(changes: [
            "environments/preview.yaml": .write(Data(previewSpec.utf8)),
            "environments/staging.yaml": .write(Data(stagingSpec.utf8)),
            "build.sh": .write(Data("echo build\n".utf8)), "serve.sh": .write(Data("echo serve\n".utf8)),
        ], onBranch: "main", parent: nil, author: author, message: "base")
        for number in 1...prs {
            let head = try remote.commit(changes: ["features/\(number).txt": .write(Data("feature \(number)\n".utf8))],
                                         onBranch: "refs/heads/pr-\(number)", parent: main, author: author, message: "feature \(number)")
            try remote.updateReference(name: "refs/pull/\(number)/head", to: head, expected: nil)
        }
        let existing = prs * 2 + 1
        for index in 0..<max(0, refs - existing) {
            try remote.updateReference(name: "refs/tags/t-\(index)", to: main, expected: nil)
        }
        let refCount = try remote.references().count
        print(String(format: "  built in %.1f s: %d refs", Date().timeIntervalSince(setup), refCount))

        let store = try SQLiteStore(path: root + "/state.db")
        let repository = try ManagedRepository.prepare(source: root + "/remote.git", workDir: root + "/work")
        let reconciler = Reconciler(repository: repository, store: store, logger: .discarding)

        let first = try reconciler.reconcile(trigger: "bench", fetch: false)
        print(String(format: "first reconcile (cold caches, %d jobs queued): desired %.1f ms, plan %.1f ms, enqueue %.1f ms",
                     first.enqueued.count, first.timings["desired"] ?? 0, first.timings["plan"] ?? 0, first.timings["enqueue"] ?? 0))
        // Every environment deployed: the next reconciles have nothing to do.
        let now = Date()
        while let job = try store.claimJob(owner: "bench", lease: 600, now: now) {
            try store.saveEnvironment(EnvironmentRecord(name: job.environment, kind: job.environmentKind ?? .preview, pullRequest: job.pullRequest,
                                                        sha: job.sha ?? "", contentID: job.contentID ?? "", specFile: job.specFile ?? "",
                                                        status: .healthy, createdAt: now, updatedAt: now))
            try store.finishJob(id: job.id, owner: "bench", status: .succeeded, error: nil, now: now)
        }

        var planning: [Double] = []
        var pure: [Double] = []
        var full: [Double] = []
        for _ in 0..<5 {
            let quiet = try reconciler.reconcile(trigger: "bench", fetch: false)
            precondition(quiet.enqueued.isEmpty, "a no-change reconcile queued jobs")
            planning.append((quiet.timings["desired"] ?? 0) + (quiet.timings["plan"] ?? 0) + (quiet.timings["enqueue"] ?? 0))
            pure.append(quiet.timings["plan"] ?? 0)
            let start = DispatchTime.now().uptimeNanoseconds
            let withFetch = try reconciler.reconcile(trigger: "bench", fetch: true)
            full.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            precondition(withFetch.enqueued.isEmpty, "a no-change reconcile queued jobs")
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print("")
        print("no-change reconcile of \(prs) PRs / \(refCount) refs, median of 5:")
        print(String(format: "  planning without fetch (read refs, PR records, specs at each head, plan): %7.1f ms  (target < 200 ms)", median(planning)))
        print(String(format: "    of which the pure planner:                                          %7.1f ms", median(pure)))
        print(String(format: "  whole reconcile including the fetch:                                  %7.1f ms  (target < 1000 ms)", median(full)))
        print(String(format: "  ratio planning / target: %.2f; reconcile / target: %.2f", median(planning) / 200, median(full) / 1000))
    }
}
