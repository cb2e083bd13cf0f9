/// Whether a commit's checks allow it to ship: the latest commit status of each context and the
/// latest run of each check, folded into one verdict.
///
/// - `failing` when any status is `failure` or `error`, or any completed check run concluded
///   `failure`, `cancelled`, `timed_out`, `action_required` or `stale` (any conclusion not known
///   to be harmless counts as failing). Failing wins over pending.
/// - else `pending` when any status is `pending` or any check run has not completed.
/// - else `green`: every status is `success` and every check run concluded `success`, `neutral`
///   or `skipped`.
///
/// **A ref with no statuses and no check runs is `green`**: a repository without CI has nothing to
/// wait for, and waiting forever would make `require_checks` unusable there. (GitHub's own
/// combined state says `pending` in that case; it is ignored when there are no statuses.)
///
/// A pure value; the names are sorted, so equal inputs give equal verdicts.
public enum ChecksVerdict: Sendable, Equatable, CustomStringConvertible {
    case green
    /// The statuses' contexts and check runs' names still running.
    case pending([String])
    /// The statuses' contexts and check runs' names that failed.
    case failing([String])

    /// Check run conclusions that do not block.
    public static let passingConclusions: Set<String> = ["success", "neutral", "skipped"]

    /// The verdict over `statuses` (latest per context, as the combined status lists them) and
    /// `checkRuns` (latest per name).
    public init(statuses: [GitHubCombinedStatus.Status], checkRuns: [GitHubCheckRun]) {
        var failing: Set<String> = []
        var pending: Set<String> = []
        for status in statuses {
            switch status.state {
            case "success": break
            case "pending": pending.insert(status.context)
            default: failing.insert(status.context)
            }
        }
        for run in checkRuns {
            if run.status != "completed" {
                pending.insert(run.name)
            } else if !Self.passingConclusions.contains(run.conclusion ?? "") {
                failing.insert(run.name)
            }
        }
        if !failing.isEmpty {
            self = .failing(failing.sorted())
        } else if !pending.isEmpty {
            self = .pending(pending.sorted())
        } else {
            self = .green
        }
    }

    public var isGreen: Bool { self == .green }

    /// One line for a comment or a log: `green`, `pending: ci/build, lint`, `failing: tests`.
    public var description: String {
        switch self {
        case .green: "green"
        case .pending(let names): "pending: " + names.joined(separator: ", ")
        case .failing(let names): "failing: " + names.joined(separator: ", ")
        }
    }
}
