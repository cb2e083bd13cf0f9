/// One condition a promotion must meet once approvals are complete, with its state and a
/// sentence for the PR comment and the evidence.
public struct PromotionGate: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case passed, pending, failed
    }

    public var name: String
    public var state: State
    public var detail: String

    public init(name: String, state: State, detail: String) {
        self.name = name
        self.state = state
        self.detail = detail
    }
}

/// The state of a ref's commit statuses and check runs, as far as a promotion cares.
public enum ChecksState: Sendable, Equatable {
    case green
    case pending([String])
    case failing([String])
}

/// How the target branch relates to the head being promoted.
public enum FastForward: Sendable, Equatable {
    /// The target is an ancestor of the head (or equal): a fast-forward.
    case possible
    /// The target branch does not exist yet: the first promotion creates it.
    case targetMissing
    /// The target has `count` commits the head lacks.
    case diverged(count: Int)
}

/// The gates of a promotion, evaluated as a pure function.
public enum PromotionGates {
    /// - Parameters:
    ///   - healthyOnSource: the head (or a commit with the same code, differing only in
    ///     bot-owned paths) ran healthy on the `from` environment, from evidence.
    ///   - checks: nil when `require_checks` is off.
    ///   - targetBusy: a deploy of the target is queued or running.
    public static func evaluate(source: String, target: String, head: String, healthyOnSource: Bool, checks: ChecksState?,
                                targetBusy: Bool, fastForward: FastForward) -> [PromotionGate] {
        let short = String(head.prefix(7))
        var gates = [PromotionGate(
            name: "healthy on \(source)", state: healthyOnSource ? .passed : .failed,
            detail: healthyOnSource ? "\(short) ran healthy on \(source)"
                : "\(short) has no healthy deploy on \(source): only code that ran healthy there is promoted")]
        if let checks {
            switch checks {
            case .green:
                gates.append(PromotionGate(name: "checks", state: .passed, detail: "commit statuses and check runs are green"))
            case .pending(let names):
                gates.append(PromotionGate(name: "checks", state: .pending, detail: "waiting for \(names.joined(separator: ", "))"))
            case .failing(let names):
                gates.append(PromotionGate(name: "checks", state: .failed, detail: "failing: \(names.joined(separator: ", "))"))
            }
        }
        gates.append(PromotionGate(name: "no deploy in progress", state: targetBusy ? .pending : .passed,
                                   detail: targetBusy ? "a deploy of \(target) is in progress" : "\(target) is idle"))
        switch fastForward {
        case .possible:
            gates.append(PromotionGate(name: "fast-forward", state: .passed, detail: "\(target)'s branch is an ancestor of \(short)"))
        case .targetMissing:
            gates.append(PromotionGate(name: "fast-forward", state: .passed, detail: "\(target)'s branch does not exist yet: this promotion creates it"))
        case .diverged(let count):
            gates.append(PromotionGate(
                name: "fast-forward", state: .failed,
                detail: "\(target)'s branch has \(count) commit\(count == 1 ? "" : "s") that \(source) lacks; merge them back into \(source)'s branch (or revert them on \(target)'s) so the promotion is a fast-forward"))
        }
        return gates
    }

    public static func allPassed(_ gates: [PromotionGate]) -> Bool { gates.allSatisfy { $0.state == .passed } }
}
