import Docs
import Foundation
import Forge
import Git
import Reconcile
import SlipwayCore
import Store

/// Publishes the regenerated LLM docs after a healthy staging deploy the way the operator chose
/// (`docs.publish`): a bot commit on the staging branch, or — when the branch is protected, or
/// always with `pull-request` — the bot's own branch `slipway/docs` (one commit on staging's tip,
/// only `docs/llm/`) and ONE open pull request from it into the staging branch, updated in place,
/// closed once staging already holds the docs.
///
/// The mode is operator configuration only: nothing in the repository or a pull request chooses
/// it. A forge outage never loses the docs (they are on the bot branch; the pull request goes
/// through the persisted update queue, which retries) and never loops: every step runs once per
/// staging deploy, failures are logged and the next deploy tries again.
final class DocsPublisher: @unchecked Sendable {
    let mode: DocsPublishMode
    let repository: ManagedRepository
    let client: GitHubClient?
    let forge: ForgeUpdateQueue?
    let store: any Store
    let logger: Logger
    let botBranch: String

    static let title = "docs: regenerate LLM docs"

    init(mode: DocsPublishMode, repository: ManagedRepository, client: GitHubClient?, forge: ForgeUpdateQueue?, store: any Store,
         logger: Logger, botBranch: String = DocsPullRequestBranch.defaultBranch) {
        self.mode = mode
        self.repository = repository
        self.client = client
        self.forge = forge
        self.store = store
        self.logger = logger
        self.botBranch = botBranch
    }

    /// What one publication did.
    enum Outcome: Sendable, Equatable {
        /// Committed on the staging branch (or nothing to commit there).
        case committed(DocsGenerator.CommitOutcome)
        /// Through the bot branch; `pullRequest` says what was asked of the forge.
        case proposed(DocsPullRequestBranch.Outcome, pullRequest: PullRequestAction)
    }

    enum PullRequestAction: Sendable, Equatable {
        /// The pull request was queued (opened or updated by the forge queue).
        case queued
        /// Staging has the docs: open docs pull requests were closed (their numbers).
        case closed([Int])
        /// No forge credentials, or the forge failed: logged; the next deploy tries again.
        case skipped(String)
    }

    /// Whether the direct commit or the pull request is tried first.
    enum Route: Sendable, Equatable { case commit, pullRequest }

    /// Pure: the first route for `mode`, given whether the forge says the branch is protected
    /// (nil: it could not say).
    static func route(_ mode: DocsPublishMode, protected: Bool?) -> Route {
        switch mode {
        case .commit: .commit
        case .pullRequest: .pullRequest
        case .auto: protected == true ? .pullRequest : .commit
        }
    }

    /// Whether a refused push means "write through a pull request instead": the server refused
    /// the ref for a reason other than a race (GitHub: "protected branch hook declined").
    static func isProtectedRefusal(_ error: any Error) -> Bool {
        guard let error = error as? GitError, error.kind == .rejected else { return false }
        return !BranchPublisher.isRace(error)
    }

    /// Publishes the docs of `configuration.branch` (the staging branch). Throws what generating,
    /// validating or pushing threw; forge failures are logged, not thrown.
    func publish(_ configuration: DocsGenerator.Configuration, analyzed: ((KnowledgeGraph, String) -> Void)? = nil) throws -> Outcome {
        let generator = DocsGenerator(configuration: configuration)
        let protected = mode == .auto ? isProtected(configuration.branch) : nil
        if Self.route(mode, protected: protected) == .commit {
            do {
                let committed = try generator.commitIfChanged(repository: repository, analyzed: analyzed)
                // Staging has the docs now: a docs pull request left from when it was protected is obsolete.
                if mode == .auto, protected == false { _ = closeObsoletePullRequests(base: configuration.branch) }
                return .committed(committed)
            } catch where mode == .auto && Self.isProtectedRefusal(error) {
                logger.warning("the staging branch refused the docs commit; they go through a pull request instead",
                               ["branch": configuration.branch, "error": "\(error)"])
            }
        }
        let outcome = try DocsPullRequestBranch(generator: generator, branch: botBranch).update(repository: repository, analyzed: analyzed)
        return .proposed(outcome, pullRequest: keepPullRequest(outcome, base: configuration.branch))
    }

    /// The forge's answer, or nil (no forge, an outage, no permission: then the push decides).
    private func isProtected(_ branch: String) -> Bool? {
        guard let client else { return nil }
        do {
            return try client.branch(branch).protected
        } catch {
            logger.warning("could not learn whether the staging branch is protected; trying a direct docs commit",
                           ["branch": branch, "error": "\(error)"])
            return nil
        }
    }

    private func keepPullRequest(_ outcome: DocsPullRequestBranch.Outcome, base: String) -> PullRequestAction {
        switch outcome {
        case .proposed(let commit, let tip, let files, _):
            guard let forge else {
                logger.warning("the docs are on the bot branch, but without forge credentials no pull request is opened",
                               ["branch": botBranch, "commit": commit])
                return .skipped("no forge credentials")
            }
            let update = PullRequestUpdate(head: botBranch, base: base, title: Self.title,
                                           body: Self.body(base: base, tip: tip, commit: commit, files: files, botBranch: botBranch))
            do {
                _ = forge.submit(.pullRequest(update), version: UInt64(try store.nextCounter("forge-update")))
                return .queued
            } catch {
                logger.error("could not queue the docs pull request", ["branch": botBranch, "error": "\(error)"])
                return .skipped("\(error)")
            }
        case .unchanged:
            return closeObsoletePullRequests(base: base)
        }
    }

    /// Closes every open docs pull request into `base` (staging already has the docs).
    private func closeObsoletePullRequests(base: String) -> PullRequestAction {
        guard let client else { return .skipped("no forge credentials") }
        do {
            let open = try client.listOpenPullRequests(headBranch: botBranch, base: base)
                .filter { $0.head.ref == botBranch && $0.base.ref == base }
            for pull in open {
                try client.updatePullRequest(pull.number, body: Self.closedBody(base: base), state: .closed)
            }
            return .closed(open.map(\.number))
        } catch {
            logger.warning("could not close the obsolete docs pull request; the next staging deploy tries again",
                           ["branch": botBranch, "error": "\(error)"])
            return .skipped("\(error)")
        }
    }

    /// The pull request's body: what changed, on which tip, and that the bot owns it.
    static func body(base: String, tip: String, commit: String, files: [String], botBranch: String) -> String {
        let list = files.map { "- `\($0)`" }.joined(separator: "\n")
        return """
        Slipway regenerated the LLM docs (`\(DocsGenerator.directory)/`) for `\(base)` at \(tip.prefix(12)) after a healthy staging deploy. \
        `\(base)` is protected (or `docs.publish` is `pull-request`), so they come through this pull request instead of a direct commit.

        Changed files (nothing outside `\(DocsGenerator.directory)/`):
        \(list)

        Merging plans no deploy: the environments ignore `\(DocsGenerator.directory)/`.

        **Bot-owned.** `\(botBranch)` is one bot commit (\(commit.prefix(12))) on top of `\(base)`; Slipway replaces it after every staging deploy \
        whose docs differ, so commits pushed to it are lost. It closes this pull request itself once `\(base)` already has these docs.
        """
    }

    static func closedBody(base: String) -> String {
        "Closed by Slipway: `\(base)` already has the current LLM docs (`\(DocsGenerator.directory)/`). A later staging deploy opens a new docs pull request if they change."
    }
}
