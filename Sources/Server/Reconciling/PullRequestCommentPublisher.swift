import Foundation
import Forge
import Git
import Reconcile
import SlipwayCore
import Store

/// The one place that composes a pull request's sticky comment: each environment's section (kept
/// by the deployment observer) and the PR's notices (from each plan: why it is not built, what
/// its spec changes will do), rendered with the template of a *trusted* commit — the PR's base
/// tip, never its head — and queued on the forge with the commit statuses that go with them.
final class PullRequestCommentPublisher: @unchecked Sendable {
    struct StoredSection: Codable {
        var pullRequest: Int?
        var section: PRCommentState.Environment
    }

    struct StoredNotices: Codable, Equatable {
        var notices: [PullRequestNotice]
    }

    static let sectionPrefix = "comment-section:"
    static let noticePrefix = "comment-notices:"
    static let promotionNoticePrefix = "comment-promotion:"

    let store: any Store
    let repository: ManagedRepository
    let forge: ForgeUpdateQueue?
    let redactor: Redactor
    let logger: Logger
    /// Said in every comment when builds run without isolation.
    let isolationWarning: String?
    private let lock = NSLock()

    init(store: any Store, repository: ManagedRepository, forge: ForgeUpdateQueue?, redactor: Redactor, logger: Logger,
         isolationWarning: String?) {
        self.store = store
        self.repository = repository
        self.forge = forge
        self.redactor = redactor
        self.logger = logger
        self.isolationWarning = isolationWarning
    }

    // MARK: Environment sections

    func storedSection(_ environment: String) -> StoredSection? {
        guard let text = try? store.value(forKey: Self.sectionPrefix + environment) else { return nil }
        return try? JSONDecoder().decode(StoredSection.self, from: Data(text.utf8))
    }

    /// Records an environment's section, queues its commit status and re-renders its PR's comment.
    /// `statusNote` is added to the commit status's description (who approved a promotion, who
    /// pinned a deploy by hand).
    func publish(section: PRCommentState.Environment, pullRequest: Int?, isDeploy: Bool, statusNote: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        do {
            let stored = StoredSection(pullRequest: pullRequest, section: section)
            try store.setValue(String(decoding: try JSONEncoder().encode(stored), as: UTF8.self), forKey: Self.sectionPrefix + section.name)
            guard let forge else { return }
            // A deploy's states, and a finished teardown: the status then says the environment
            // is gone (no link to a dead URL) instead of keeping the last deploy's success.
            if isDeploy || section.state == .tornDown, !section.sha.isEmpty {
                var status = section.commitStatus
                if let statusNote { status = CommitStatusRequest(sha: status.sha, context: status.context, state: status.state,
                                                                 targetURL: status.targetURL, description: "\(status.description) · \(statusNote)") }
                _ = forge.submit(.status(status), version: UInt64(try store.nextCounter("forge-update")))
            }
            guard let number = pullRequest else { return }
            try queueComment(number)
        } catch {
            logger.error("could not queue the PR comment or status", ["env": section.name, "error": "\(error)"])
        }
    }

    // MARK: Notices

    /// Takes each plan's notices: stores what changed per PR, queues the statuses that go with
    /// new notices and re-renders the comments of PRs whose notices changed. Cheap when nothing
    /// changed (one read of the stored notices).
    func publish(plan: Plan) {
        lock.lock()
        defer { lock.unlock() }
        do {
            var wanted: [Int: [PullRequestNotice]] = [:]
            for notice in plan.notices { wanted[notice.pullRequest, default: []].append(notice) }
            var stored: [Int: StoredNotices] = [:]
            for (key, text) in try store.values(withPrefix: Self.noticePrefix) {
                guard let number = Int(key.dropFirst(Self.noticePrefix.count)),
                      let notices = try? JSONDecoder().decode(StoredNotices.self, from: Data(text.utf8)) else { continue }
                stored[number] = notices
            }
            for number in Set(wanted.keys).union(stored.keys).sorted() {
                let now = StoredNotices(notices: wanted[number] ?? [])
                let before = stored[number] ?? StoredNotices(notices: [])
                guard now != before else { continue }
                if now.notices.isEmpty {
                    try store.setValue(nil, forKey: Self.noticePrefix + "\(number)")
                } else {
                    try store.setValue(String(decoding: try JSONEncoder().encode(now), as: UTF8.self), forKey: Self.noticePrefix + "\(number)")
                }
                for notice in now.notices where !before.notices.contains(notice) {
                    logger.info("pull request not built", ["pr": "\(number)", "reason": notice.kind.rawValue, "detail": notice.message])
                }
                guard let forge else { continue }
                for notice in now.notices where !before.notices.contains(notice) {
                    guard let state = notice.statusState.flatMap(CommitStatusRequest.State.init(rawValue:)) else { continue }
                    let status = CommitStatusRequest(sha: notice.sha, context: CommitStatusRequest.context(environment: notice.environment),
                                                     state: state, description: redactor.redact(notice.message))
                    _ = forge.submit(.status(status), version: UInt64(try store.nextCounter("forge-update")))
                }
                try queueComment(number)
            }
        } catch {
            logger.error("could not queue the PR notices", ["error": "\(error)"])
        }
    }

    /// What the promotion controller tells a promotion PR (a refused label, a shipped
    /// promotion): replaces the previous promotion notices of that PR and re-renders its comment.
    func setPromotionNotices(_ number: Int, _ notices: [PRCommentState.Notice]) {
        lock.lock()
        defer { lock.unlock() }
        do {
            try store.setValue(String(decoding: try JSONEncoder().encode(notices), as: UTF8.self), forKey: Self.promotionNoticePrefix + "\(number)")
            try queueComment(number)
        } catch {
            logger.error("could not queue the promotion comment", ["pr": "\(number)", "error": "\(error)"])
        }
    }

    // MARK: Rendering

    private func queueComment(_ number: Int) throws {
        guard let forge else { return }
        let sections = try store.values(withPrefix: Self.sectionPrefix).values
            .compactMap { try? JSONDecoder().decode(StoredSection.self, from: Data($0.utf8)) }
            .filter { $0.pullRequest == number }
            .map(\.section)
            .sorted { $0.name < $1.name }
        let notices = (try store.value(forKey: Self.noticePrefix + "\(number)"))
            .flatMap { try? JSONDecoder().decode(StoredNotices.self, from: Data($0.utf8)) }?.notices ?? []
        let promotion = (try store.value(forKey: Self.promotionNoticePrefix + "\(number)"))
            .flatMap { try? JSONDecoder().decode([PRCommentState.Notice].self, from: Data($0.utf8)) } ?? []
        let renderer = try PRCommentRenderer(templateText: trustedTemplate(for: number), redactor: redactor)
        let state = PRCommentState(pullRequest: number, environments: sections,
                                   notices: promotion + notices.map { PRCommentState.Notice(message: $0.message, details: $0.details) },
                                   isolationWarning: isolationWarning)
        let body = try renderer.render(state)
        _ = forge.submit(.comment(pullRequest: number, body: body), version: UInt64(try store.nextCounter("forge-update")))
    }

    /// The repository's own `templates/pr-comment.md` at the tip of the PR's base branch (a
    /// trusted ref: a PR cannot restyle or rewrite the bot's comment through its own head).
    private func trustedTemplate(for number: Int) -> String? {
        let base = (try? store.pullRequests())?.first { $0.number == number }?.baseRef
        let data = try? repository.withRepository { repo -> Data? in
            guard let base, let tip = try? repo.resolve("refs/heads/\(base)") else { return nil }
            return try repo.blob(at: PRCommentRenderer.templatePath, commit: tip)
        }
        return data.flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }
}
