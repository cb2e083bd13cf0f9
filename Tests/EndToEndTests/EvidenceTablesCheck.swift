import Evidence
import Foundation
import Git
import Store
import Testing

/// After a real loop: the `deployments` and `builds` tables hold a row per committed record and
/// per step, and wiping the index and reindexing from the evidence branch gives the same rows.
func checkEvidenceTablesAndReindex(store: any Store, repositoryPath: String) throws {
    let deployments = try store.deployments(environment: nil, limit: 10_000)
    let builds = try store.builds(evidenceID: nil, limit: 10_000)
    let evidence = try store.evidence(environment: nil, limit: 10_000)
    #expect(!deployments.isEmpty)
    #expect(Set(deployments.map(\.evidenceID)) == Set(evidence.map(\.id)))
    let previewDeploys = deployments.filter { $0.environment.hasPrefix("pr-") && $0.kind == "deploy" }.sorted { $0.startedAt < $1.startedAt }
    #expect(previewDeploys.count >= 1)
    #expect(previewDeploys.allSatisfy { $0.outcome == "succeeded" && $0.healthAttempts >= 1 && $0.lastHealthStatus == 200 })
    #expect(previewDeploys.allSatisfy { $0.contentID.count == 64 && $0.triggerType != "" && $0.durationSeconds != nil })
    // A later deploy of an environment names the earlier healthy one as its rollback target.
    if previewDeploys.count >= 2 { #expect(previewDeploys[1].rollbackTarget == previewDeploys[0].sha) }
    #expect(previewDeploys.first?.rollbackTarget == nil)
    #expect(deployments.contains { $0.kind == "teardown" })
    #expect(!builds.isEmpty)
    #expect(Set(builds.map(\.evidenceID)).isSubset(of: Set(deployments.map(\.evidenceID))))

    // Wipe, then rebuild from the branch: the same rows.
    try store.replaceEvidenceIndex([])
    #expect(try store.deployments(environment: nil, limit: 10).isEmpty)
    #expect(try store.builds(evidenceID: nil, limit: 10).isEmpty)
    let repo = try Repository.open(at: repositoryPath)
    let result = try EvidenceIndexer().reindex(repo: repo, store: store)
    #expect(result.problems.isEmpty)
    #expect(result.indexed == evidence.count)
    #expect(try store.deployments(environment: nil, limit: 10_000) == deployments)
    #expect(try store.builds(evidenceID: nil, limit: 10_000) == builds)
    let key = { (e: EvidenceIndexEntry) in [e.id, e.environment, e.kind, e.sha, e.outcome, e.path, e.branch, e.commit, e.record] + e.logs }
    #expect(try store.evidence(environment: nil, limit: 10_000).map(key) == evidence.map(key))
}
