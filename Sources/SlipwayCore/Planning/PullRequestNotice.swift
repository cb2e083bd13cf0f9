/// Something a pull request's author should be told because the bot did not (or will not)
/// build it as they might expect: said in the sticky comment and, for the kinds that block a
/// preview, as a `slipway/<environment>` commit status on the head.
public struct PullRequestNotice: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A fork waits for a writer's trust label (at the current head).
        case waitingForTrustLabel = "waiting-for-trust-label"
        /// A fork, and no forge to vouch for it: never built.
        case forkNotBuilt = "fork-not-built"
        /// Known only from its git ref.
        case unknownProvenance = "unknown-provenance"
        /// The base branch's specs have errors: nothing can be built for this PR.
        case invalidBaseSpecs = "invalid-base-specs"
        /// The spec names a grant this environment may not use.
        case grantRefused = "grant-refused"
        /// The rendered preview name collides with another environment.
        case nameCollision = "name-collision"
        /// The PR changes `environments/`: those changes apply after merge (with what validate says).
        case specChangesAfterMerge = "spec-changes-after-merge"
    }

    public var pullRequest: Int
    /// The head the notice is about.
    public var sha: String
    /// The environment concerned (the rendered preview name, or `preview` when unknown).
    public var environment: String
    public var kind: Kind
    /// One or more lines for people; never holds a secret value.
    public var message: String
    /// Extra lines (e.g. validate's diagnostics as `file:line:column: message`).
    public var details: [String]

    public init(pullRequest: Int, sha: String, environment: String, kind: Kind, message: String, details: [String] = []) {
        self.pullRequest = pullRequest
        self.sha = sha
        self.environment = environment
        self.kind = kind
        self.message = message
        self.details = details
    }

    /// The commit status state this notice sets on the head, if it sets one: `pending` while a
    /// person can unblock it, `error` when the base's policy is broken, `failure` when the spec
    /// asks for something it may not have.
    public var statusState: String? {
        switch kind {
        case .waitingForTrustLabel: "pending"
        case .invalidBaseSpecs, .nameCollision: "error"
        case .grantRefused: "failure"
        case .forkNotBuilt, .unknownProvenance, .specChangesAfterMerge: nil
        }
    }
}
