public import Foundation

/// One thing to do (or not) for one environment, with a reason a person can read.
public struct PlannedAction: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case create, update, teardown, none
    }

    public var kind: Kind
    public var environment: String
    public var environmentKind: EnvironmentKind?
    public var pullRequest: Int?
    public var sha: String?
    public var contentID: String?
    /// The spec file the deploy uses (read at `specSHA`).
    public var specFile: String?
    /// The commit the spec is read at: the base branch's tip for a preview (never the PR's head),
    /// the deployed commit for a branch environment.
    public var specSHA: String?
    public var reason: String

    public init(
        kind: Kind, environment: String, environmentKind: EnvironmentKind? = nil, pullRequest: Int? = nil,
        sha: String? = nil, contentID: String? = nil, specFile: String? = nil, specSHA: String? = nil, reason: String
    ) {
        self.specSHA = specSHA ?? (specFile == nil ? nil : sha)
        self.kind = kind
        self.environment = environment
        self.environmentKind = environmentKind
        self.pullRequest = pullRequest
        self.sha = sha
        self.contentID = contentID
        self.specFile = specFile
        self.reason = reason
    }

    public var description: String { "\(kind.rawValue) \(environment): \(reason)" }

    /// Whether performing the action changes anything.
    public var changes: Bool { kind != .none }
}

/// The planner's answer: actions in a stable order, notes (such as production lagging), and
/// what each pull request's author should be told.
public struct Plan: Sendable, Equatable {
    public var actions: [PlannedAction]
    public var notes: [String]
    /// Per open PR, in PR order: why it is not built, or what its spec changes will do.
    public var notices: [PullRequestNotice]
    /// Heads of promoted environments' branches that the bot did not put there.
    public var unapproved: [UnapprovedPush]
    /// Why the open pull requests were unknown to this plan (the forge could not list them):
    /// previews were kept as they are and `notices` says nothing about pull requests.
    public var pullRequestsUnknown: String?

    public init(actions: [PlannedAction], notes: [String] = [], notices: [PullRequestNotice] = [], unapproved: [UnapprovedPush] = [],
                pullRequestsUnknown: String? = nil) {
        self.pullRequestsUnknown = pullRequestsUnknown
        self.actions = actions
        self.notes = notes
        self.notices = notices
        self.unapproved = unapproved
    }

    /// Only the actions that change something.
    public var changes: [PlannedAction] { actions.filter(\.changes) }
}

/// From the desired state (git and the forge) and the current state (the store) to actions.
/// A pure function: no I/O, no clock (the caller passes `now`), same inputs, same plan.
public enum Planner {
    struct Desired {
        var name: String
        var kind: EnvironmentKind
        var pullRequest: Int?
        var sha: String
        var contentID: String
        var specFile: String
        var specSHA: String?
        var why: String
    }

    public static func plan(desired inputs: DesiredInputs, current: CurrentState, now: Date) -> Plan {
        var desired: [String: Desired] = [:]
        // Why an environment that exists should not (keyed by environment name).
        var absentBecause: [String: String] = [:]
        var actions: [PlannedAction] = []
        var notes: [String] = []
        var unapproved: [UnapprovedPush] = []

        var notices: [PullRequestNotice] = []
        // Branch environments' names are claimed first: a preview never takes one.
        let branchNames = Set(inputs.branches.flatMap { candidate -> [String] in
            guard case .specs(let specs) = candidate.specs else { return [] }
            return specs.filter { $0.spec.kind != .preview }.map(\.spec.name)
        }).union(current.environments.filter { $0.pullRequest == nil }.map(\.name))
        // A live preview keeps its name against newcomers; otherwise the lowest PR number wins.
        let liveOwner = Dictionary(current.environments.compactMap { env in env.pullRequest.map { (env.name, $0) } },
                                   uniquingKeysWith: { first, _ in first })
        var claimed: [String: Int] = [:]

        if let unknown = inputs.pullRequestsUnknown {
            // The forge could not say which PRs are open: every preview stays as it is (a PR that
            // closed meanwhile is torn down once the forge answers again).
            for env in current.environments where env.pullRequest != nil && env.status.isLive {
                desired[env.name] = Desired(name: env.name, kind: env.kind, pullRequest: env.pullRequest, sha: env.sha,
                                            contentID: env.contentID, specFile: "",
                                            why: "forge unavailable: the open pull requests are unknown (\(unknown)); kept as is")
            }
            notes.append("forge unavailable: previews are kept as they are until the forge lists the open pull requests again (\(unknown))")
        }

        for candidate in inputs.pullRequests.sorted(by: { Self.number($0) < Self.number($1) }) {
            guard case .pullRequest(let pr) = candidate.source else { continue }
            let label = "PR #\(pr.number)"
            guard case .specs(let specs) = candidate.specs else {
                if case .invalid(let problems) = candidate.specs {
                    let at = candidate.specSHA.map { " at \(short($0))" } ?? ""
                    actions.append(PlannedAction(kind: .none, environment: "pr #\(pr.number)", pullRequest: pr.number, sha: candidate.sha,
                                                 reason: "\(label): the specs of its base branch '\(pr.baseRef)'\(at) are invalid (\(problems.first ?? "")); fix them there to deploy"))
                    notices.append(PullRequestNotice(
                        pullRequest: pr.number, sha: candidate.sha, environment: "preview", kind: .invalidBaseSpecs,
                        message: "No preview: the environment specs of the base branch '\(pr.baseRef)'\(at) have errors; fix them on '\(pr.baseRef)'.",
                        details: problems))
                    // Keep whatever runs for this PR: a broken base does not take the preview down.
                    for env in current.environments where env.pullRequest == pr.number && env.status.isLive {
                        desired[env.name] = Desired(name: env.name, kind: env.kind, pullRequest: pr.number, sha: env.sha,
                                                    contentID: env.contentID, specFile: "", why: "kept while the specs are invalid")
                    }
                }
                continue
            }
            guard let resolved = specs.first(where: { $0.spec.kind == .preview && $0.spec.match.pullRequestBase.map { Glob($0).matches(pr.baseRef) } == true }) else {
                actions.append(PlannedAction(kind: .none, environment: "pr #\(pr.number)", pullRequest: pr.number, sha: candidate.sha,
                                             reason: "\(label): no preview spec matches base branch '\(pr.baseRef)'"))
                continue
            }
            // Only PRs that get a preview hear about their spec changes (a promotion PR's base has
            // no preview spec).
            if let problems = candidate.proposedSpecProblems {
                let verdict = problems.isEmpty ? "`slipway validate` finds them valid" : "`slipway validate` reports \(problems.count) error\(problems.count == 1 ? "" : "s")"
                notices.append(PullRequestNotice(
                    pullRequest: pr.number, sha: candidate.sha, environment: "preview", kind: .specChangesAfterMerge,
                    message: "This pull request changes environments/: those changes take effect after merge; previews of this PR use the specs of its base branch '\(pr.baseRef)'. \(verdict).",
                    details: problems))
            }
            let spec = resolved.spec
            let name = EnvironmentName.render(spec.name, pullRequest: pr.number)
            if !EnvironmentName.isValid(name) || branchNames.contains(name)
                || (claimed[name].map { $0 != pr.number } ?? false)
                || (liveOwner[name].map { $0 != pr.number } ?? false) {
                let other = branchNames.contains(name) ? "the environment '\(name)' of a branch"
                    : (liveOwner[name] ?? claimed[name]).map { "the preview of PR #\($0)" } ?? "no valid environment name"
                let why = EnvironmentName.isValid(name)
                    ? "\(label): the preview name '\(name)' (from '\(spec.name)' in \(spec.file)) collides with \(other); refused"
                    : "\(label): the preview name '\(name)' (from '\(spec.name)' in \(spec.file)) is not a valid environment name; refused"
                actions.append(PlannedAction(kind: .none, environment: "pr #\(pr.number)", pullRequest: pr.number, sha: candidate.sha, reason: why))
                notices.append(PullRequestNotice(pullRequest: pr.number, sha: candidate.sha, environment: "preview", kind: .nameCollision,
                                                 message: "No preview: \(why.dropFirst(label.count + 2))."))
                continue
            }
            claimed[name] = pr.number
            if pr.isDraft {
                absentBecause[name] = "\(label) is a draft; previews start when it is ready for review"
                continue
            }
            switch BuildTrust.decide(number: pr.number, provenance: pr.provenance, headSHA: candidate.sha, labels: pr.labels,
                                     labelHeads: pr.labelHeads, trustLabel: spec.match.trustLabel, forgeConfigured: inputs.forgeConfigured) {
            case .build:
                break
            case .wait(let reason, let kind):
                absentBecause[name] = reason
                let noticeKind: PullRequestNotice.Kind = switch kind {
                case .trustLabel: .waitingForTrustLabel
                case .forkWithoutForge: .forkNotBuilt
                case .unknownProvenance: .unknownProvenance
                }
                notices.append(PullRequestNotice(pullRequest: pr.number, sha: candidate.sha, environment: name, kind: noticeKind,
                                                 message: "No preview yet: \(reason)."))
                continue
            }
            if let grants = inputs.grants {
                let refusals = grants.refusals(for: spec, environment: name)
                if !refusals.isEmpty {
                    absentBecause[name] = "\(label): \(refusals.joined(separator: "; "))"
                    notices.append(PullRequestNotice(pullRequest: pr.number, sha: candidate.sha, environment: name, kind: .grantRefused,
                                                     message: "No preview: a secret grant is refused.", details: refusals))
                    continue
                }
            }
            if let ttl = spec.ttl, now.timeIntervalSince(pr.headSeenAt) > ttl.seconds {
                absentBecause[name] = "\(label) had no push for \(ttl) (ttl); push to bring the preview back"
                continue
            }
            desired[name] = Desired(name: name, kind: .preview, pullRequest: pr.number, sha: candidate.sha,
                                    contentID: resolved.contentID, specFile: spec.file, specSHA: candidate.specSHA,
                                    why: "\(label) at \(short(candidate.sha))")
        }

        for candidate in inputs.branches {
            guard case .branch(let branch) = candidate.source else { continue }
            switch candidate.specs {
            case .invalid(let problems):
                actions.append(PlannedAction(kind: .none, environment: "branch \(branch)", sha: candidate.sha,
                                             reason: "branch '\(branch)': the specs at \(short(candidate.sha)) are invalid (\(problems.first ?? "")); fix them to deploy"))
                for env in current.environments where env.kind != .preview && env.status.isLive && desired[env.name] == nil {
                    desired[env.name] = Desired(name: env.name, kind: env.kind, sha: env.sha, contentID: env.contentID,
                                                specFile: "", why: "kept while the specs are invalid")
                }
            case .specs(let specs):
                for resolved in specs where resolved.spec.kind != .preview && resolved.spec.match.branch.map({ Glob($0).matches(branch) }) == true {
                    let spec = resolved.spec
                    let running = current.environments.first { $0.name == spec.name && $0.status.isLive }
                    func keep(_ why: String) {
                        if let running, desired[running.name] == nil {
                            desired[running.name] = Desired(name: running.name, kind: running.kind, sha: running.sha, contentID: running.contentID,
                                                            specFile: "", why: why)
                        }
                    }
                    if let pin = inputs.pins[spec.name] {
                        if pin.sha == nil {
                            absentBecause[spec.name] = "\(spec.name) is \(pin.summary); `slipway env unpin \(spec.name)` lets it follow '\(branch)' again"
                        } else {
                            keep("\(spec.name) is \(pin.summary); it follows '\(branch)' again after the next promotion or `slipway env unpin \(spec.name)`")
                            if running == nil {
                                actions.append(PlannedAction(kind: .none, environment: spec.name, environmentKind: spec.kind, sha: pin.sha,
                                                             reason: "\(spec.name) is \(pin.summary)"))
                            }
                        }
                        continue
                    }
                    if let grants = inputs.grants {
                        let refusals = grants.refusals(for: spec, environment: spec.name)
                        if !refusals.isEmpty {
                            actions.append(PlannedAction(kind: .none, environment: spec.name, environmentKind: spec.kind, sha: candidate.sha,
                                                         reason: "branch '\(branch)' at \(short(candidate.sha)): \(refusals.joined(separator: "; ")); not deployed"))
                            keep("kept while a grant is refused")
                            continue
                        }
                    }
                    if let promotion = spec.promotion, !promotion.allowDirectPush {
                        let approved = inputs.promotions[spec.name]
                        if approved?.sha != candidate.sha {
                            if approved == nil && running == nil {
                                actions.append(PlannedAction(kind: .none, environment: spec.name, environmentKind: spec.kind, sha: candidate.sha,
                                                             reason: "\(spec.name) moves only by promotion from \(promotion.from): '\(branch)' at \(short(candidate.sha)) was not promoted by Slipway; approve the promotion pull request"))
                            } else {
                                unapproved.append(UnapprovedPush(environment: spec.name, branch: branch, sha: candidate.sha, running: running?.sha))
                                actions.append(PlannedAction(kind: .none, environment: spec.name, environmentKind: spec.kind, sha: candidate.sha,
                                                             reason: "'\(branch)' moved to \(short(candidate.sha)) without an approved promotion; not deployed (\(spec.name) keeps \(running.map { short($0.sha) } ?? "nothing"))"))
                            }
                            keep("kept: \(spec.name) moves only by approved promotion")
                            continue
                        }
                    }
                    let why = spec.promotion != nil && !(spec.promotion?.allowDirectPush ?? false)
                        ? "promoted from \(spec.promotion?.from ?? "?") at \(short(candidate.sha))"
                        : "branch '\(branch)' at \(short(candidate.sha))"
                    desired[spec.name] = Desired(name: spec.name, kind: spec.kind, sha: candidate.sha,
                                                 contentID: resolved.contentID, specFile: spec.file, specSHA: candidate.specSHA, why: why)
                }
                for resolved in specs where resolved.spec.promotion != nil {
                    let target = resolved.spec
                    guard let from = target.promotion?.from,
                          let source = current.environments.first(where: { $0.name == from && $0.status == .healthy }) else { continue }
                    let running = current.environments.first { $0.name == target.name && $0.status.isLive }
                    let sourceCode = inputs.codeIDs[source.sha] ?? source.sha
                    let targetCode = running.map { inputs.codeIDs[$0.sha] ?? $0.sha }
                    if sourceCode != targetCode {
                        let label = target.promotion?.label ?? "promote"
                        notes.append("\(target.name) is behind \(from): \(from) runs \(short(source.sha)), \(target.name) runs \(running.map { short($0.sha) } ?? "nothing"); promote with the label '\(label)'")
                    }
                }
            }
        }

        let currentByName = Dictionary(current.environments.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var pendingDeploy: [String: String?] = [:]
        var pendingTeardown = Set<String>()
        for job in current.pendingJobs {
            switch job.kind {
            case .deploy: pendingDeploy[job.environment] = job.contentID
            case .teardown: pendingTeardown.insert(job.environment)
            }
        }

        for want in desired.values {
            if want.specFile.isEmpty { // kept as is
                actions.append(PlannedAction(kind: .none, environment: want.name, environmentKind: want.kind, pullRequest: want.pullRequest,
                                             sha: want.sha, contentID: want.contentID, reason: want.why))
                continue
            }
            let base = PlannedAction(kind: .none, environment: want.name, environmentKind: want.kind, pullRequest: want.pullRequest,
                                     sha: want.sha, contentID: want.contentID, specFile: want.specFile, specSHA: want.specSHA, reason: "")
            var action = base
            if let queued = pendingDeploy[want.name], queued == want.contentID {
                action.reason = "\(want.why): a deploy of this content is already queued"
            } else if let env = currentByName[want.name], env.status.isInProgress, pendingDeploy[want.name] == nil,
                      !pendingTeardown.contains(want.name) {
                // Building or deploying with no job queued or running: the run that wrote that
                // status was interrupted (a stop or crash) and nothing will finish it.
                action.kind = .update
                action.reason = "\(want.why): the last deploy was interrupted (\(env.status.rawValue) with no job queued or running)"
            } else if let env = currentByName[want.name], env.status.isLive, env.contentID == want.contentID {
                action.reason = env.status == .failed
                    ? "\(want.why): the last deploy of this content failed; push a fix or run `slipway env deploy`"
                    : "\(want.why): up to date"
            } else if let env = currentByName[want.name], env.status.isLive {
                action.kind = .update
                action.reason = "\(want.why): new content (was \(short(env.sha)))"
            } else {
                action.kind = .create
                action.reason = "\(want.why): no environment yet"
            }
            actions.append(action)
        }

        for env in current.environments where env.status.isLive && desired[env.name] == nil && env.kind != .production {
            if pendingTeardown.contains(env.name) {
                actions.append(PlannedAction(kind: .none, environment: env.name, environmentKind: env.kind, pullRequest: env.pullRequest,
                                             sha: env.sha, reason: "a teardown is already queued"))
                continue
            }
            let reason = absentBecause[env.name]
                ?? (env.pullRequest.map { "PR #\($0) is closed, merged or no longer matches a preview spec" }
                    ?? "no spec follows this environment's branch any more")
            actions.append(PlannedAction(kind: .teardown, environment: env.name, environmentKind: env.kind,
                                         pullRequest: env.pullRequest, sha: env.sha, reason: reason))
        }
        // A deploy still queued or running for an environment that should no longer exist (the PR
        // closed before it ran): cancel it with a teardown, so it never comes up.
        for (name, _) in pendingDeploy.sorted(by: { $0.key < $1.key })
        where desired[name] == nil && currentByName[name]?.status.isLive != true && !pendingTeardown.contains(name) {
            let pr = current.pendingJobs.first { $0.environment == name }?.pullRequest
            // A preview's queued first deploy is left alone while the PR set is unknown.
            if pr != nil, inputs.pullRequestsUnknown != nil { continue }
            actions.append(PlannedAction(kind: .teardown, environment: name, pullRequest: pr,
                                         reason: absentBecause[name] ?? "a deploy was queued, but the environment is no longer wanted"))
            absentBecause[name] = nil
        }
        for (name, reason) in absentBecause where currentByName[name]?.status.isLive != true {
            actions.append(PlannedAction(kind: .none, environment: name, environmentKind: .preview, reason: reason))
        }

        actions.sort(by: order)
        return Plan(actions: actions, notes: Array(Set(notes)).sorted(), notices: notices, unapproved: unapproved,
                    pullRequestsUnknown: inputs.pullRequestsUnknown)
    }

    static func number(_ candidate: Candidate) -> Int {
        if case .pullRequest(let pr) = candidate.source { return pr.number }
        return -1
    }

    /// Stable order: staging and production first, then previews by PR number, then by name.
    static func order(_ a: PlannedAction, _ b: PlannedAction) -> Bool {
        let ka = (a.pullRequest ?? -1, a.environment, a.kind.rawValue)
        let kb = (b.pullRequest ?? -1, b.environment, b.kind.rawValue)
        return ka < kb
    }

    static func short(_ sha: String) -> String { String(sha.prefix(7)) }
}
