/// The one rule that decides whether a pull request's code may be built, as a pure function.
///
/// - A PR from this repository (reported by a verified webhook or the forge) is built.
/// - A PR of unknown provenance (seen only as a git ref) is never built.
/// - A fork is built only while it carries the trust label *and* that label was added, by
///   someone the forge reports with write access, at the PR's current head. Without a forge
///   nobody can vouch for a label, so forks never build.
public enum BuildTrust {
    public enum Decision: Sendable, Equatable {
        case build
        /// Not built; `reason` is what the PR's author and reviewers are told.
        case wait(reason: String, kind: WaitKind)
    }

    public enum WaitKind: String, Sendable, Equatable {
        /// A writer's label is needed (again).
        case trustLabel = "trust-label"
        /// Only refs are known; a verified webhook or the forge must report the PR.
        case unknownProvenance = "unknown-provenance"
        /// No forge is configured, so forks cannot be vouched for.
        case forkWithoutForge = "fork-without-forge"
    }

    /// `labelHeads` holds, for each label, the head SHA at which a writer added it (labels added
    /// by people without write access are never recorded there).
    public static func decide(number: Int, provenance: PullRequestProvenance, headSHA: String, labels: [String],
                              labelHeads: [String: String], trustLabel: String, forgeConfigured: Bool) -> Decision {
        switch provenance {
        case .sameRepository:
            return .build
        case .unknown:
            return .wait(reason: "PR #\(number) is known only from its git ref; it is built once a verified webhook or the forge reports it as open and from this repository",
                         kind: .unknownProvenance)
        case .fork:
            guard forgeConfigured else {
                return .wait(reason: "PR #\(number) comes from a fork, and without a forge configured nobody can vouch for a fork's code: forks are never built",
                             kind: .forkWithoutForge)
            }
            let labelled = labels.contains(trustLabel)
            if labelled && labelHeads[trustLabel] == headSHA { return .build }
            let again = labelled ? " again (it was added before the latest push, or by someone without write access)" : ""
            return .wait(reason: "PR #\(number) comes from a fork: a person with write access must add the label '\(trustLabel)'\(again)",
                         kind: .trustLabel)
        }
    }
}
