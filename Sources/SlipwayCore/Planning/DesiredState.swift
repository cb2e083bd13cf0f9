public import Foundation

/// An open pull request as the reconciler sees it: git says where its head is; the forge (or the
/// webhooks, when no forge is configured) says the rest.
public struct PullRequestInfo: Sendable, Equatable {
    public var number: Int
    public var headSHA: String
    public var baseRef: String
    public var headRef: String?
    public var isDraft: Bool
    /// Same repository, fork, or unknown (seen only as a ref): unknown is never built.
    public var provenance: PullRequestProvenance
    public var labels: [String]
    public var author: String?
    /// For each label, the head SHA the PR had when the label was last added. A fork PR is
    /// trusted only while its trust label is on it *and* was added at the current head.
    public var labelHeads: [String: String]
    /// When the current head was first seen (a push); previews idle past their TTL are torn down.
    public var headSeenAt: Date

    public init(
        number: Int, headSHA: String, baseRef: String, headRef: String? = nil, isDraft: Bool = false,
        provenance: PullRequestProvenance = .unknown, labels: [String] = [], author: String? = nil, labelHeads: [String: String] = [:],
        headSeenAt: Date
    ) {
        self.number = number
        self.headSHA = headSHA
        self.baseRef = baseRef
        self.headRef = headRef
        self.isDraft = isDraft
        self.provenance = provenance
        self.labels = labels
        self.author = author
        self.labelHeads = labelHeads
        self.headSeenAt = headSeenAt
    }
}

/// A spec read at a commit, with the content id of what it would deploy there.
public struct ResolvedSpec: Sendable, Equatable {
    public var spec: EnvironmentSpec
    /// Hash of the commit's tree minus Slipway-owned paths (`evidence/`, `docs/llm/`) plus the
    /// spec: equal ids deploy equal things, so a bot commit plans nothing.
    public var contentID: String

    public init(spec: EnvironmentSpec, contentID: String) {
        self.spec = spec
        self.contentID = contentID
    }
}

/// The specs found at one commit, and whether they could be read.
public enum SpecsAtCommit: Sendable, Equatable {
    case specs([ResolvedSpec])
    /// The commit's specs have errors; nothing deploys from it until they are fixed.
    case invalid([String])
}

/// One git target the planner considers: a PR head or a branch head, with its specs and content id.
public struct Candidate: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case pullRequest(PullRequestInfo)
        case branch(name: String)
    }

    public var source: Source
    /// The code: the PR's head, or the branch's head.
    public var sha: String
    /// The commit the specs (policy) were read at: the tip of the PR's base branch for a
    /// preview, the deployed commit itself for a branch. Nil when it could not be found.
    public var specSHA: String?
    public var specs: SpecsAtCommit
    /// For a PR that changes `environments/`: what `slipway validate` says about its version
    /// (empty when it is valid). Nil when the PR leaves `environments/` alone. Informational
    /// only: those changes take effect after merge.
    public var proposedSpecProblems: [String]?

    public init(source: Source, sha: String, specSHA: String? = nil, specs: SpecsAtCommit, proposedSpecProblems: [String]? = nil) {
        self.source = source
        self.sha = sha
        self.specSHA = specSHA ?? sha
        self.specs = specs
        self.proposedSpecProblems = proposedSpecProblems
    }
}

/// Everything the planner needs from git and the forge.
public struct DesiredInputs: Sendable, Equatable {
    /// Open pull requests (closed ones are simply absent).
    public var pullRequests: [Candidate]
    /// Branch heads that some spec might follow.
    public var branches: [Candidate]
    /// The operator's grants, to refuse before building a spec that names one it may not use
    /// (nil: not checked at plan time; the runner checks at deploy time anyway).
    public var grants: GrantTable?
    /// Whether a forge is configured (without one, forks are never built).
    public var forgeConfigured: Bool
    /// The latest promotion the bot shipped, per promoted environment.
    public var promotions: [String: ApprovedPromotion]
    /// Environments held by a person's explicit action.
    public var pins: [String: EnvironmentPin]
    /// The code id (tree hash without Slipway's paths and specs) of commits the planner compares
    /// across environments (what runs on a promotion's source and target).
    public var codeIDs: [String: String]
    /// Why the set of open pull requests is unknown (the forge could not list them), or nil when
    /// it is known. While unknown, previews stay exactly as they are: none is created, updated or
    /// torn down from a guess; branch environments are planned as usual.
    public var pullRequestsUnknown: String?

    public init(pullRequests: [Candidate] = [], branches: [Candidate] = [], grants: GrantTable? = nil, forgeConfigured: Bool = true,
                promotions: [String: ApprovedPromotion] = [:], pins: [String: EnvironmentPin] = [:], codeIDs: [String: String] = [:],
                pullRequestsUnknown: String? = nil) {
        self.pullRequestsUnknown = pullRequestsUnknown
        self.pullRequests = pullRequests
        self.branches = branches
        self.grants = grants
        self.forgeConfigured = forgeConfigured
        self.promotions = promotions
        self.pins = pins
        self.codeIDs = codeIDs
    }
}
