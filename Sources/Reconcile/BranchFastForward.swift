import Foundation
public import Git

/// Moves a branch of the managed repository to a commit that descends from its tip — the way
/// an approved promotion ships — and pushes it to `origin`, never forcing: a branch that is not
/// an ancestor of the commit is left alone (`diverged`), and a push refused because someone
/// else moved the branch first (`raced`) leaves the mirror at their tip, so nobody's commit is
/// ever dropped. A branch that does not exist yet is created.
public struct BranchFastForward {
    public let repository: ManagedRepository
    public let branch: String

    public init(repository: ManagedRepository, branch: String) {
        self.repository = repository
        self.branch = branch
    }

    public enum Outcome: Sendable, Equatable {
        /// The branch now points at the commit (`from` nil: it was created).
        case moved(from: ObjectID?)
        /// It already pointed there.
        case alreadyThere
        /// The branch has commits the target lacks: not a fast-forward.
        case diverged(tip: ObjectID, ahead: Int)
        /// Someone moved the branch on the remote first; the mirror now has their tip.
        case raced
    }

    public var referenceName: String { "refs/heads/" + branch }

    public func fastForward(to target: ObjectID) throws -> Outcome {
        let publisher = BranchPublisher(repository: repository, branch: branch, credentials: nil, maxAttempts: 1)
        return try repository.withRepository { repo in
            // The remote's tip, not a stale mirror's.
            try? publisher.fetchBranch(repo)
            let tip = try publisher.currentTip(repo)
            if tip == target { return .alreadyThere }
            if let tip, try !repo.isAncestor(tip, of: target) {
                return .diverged(tip: tip, ahead: try repo.commitsAhead(tip, comparedTo: target))
            }
            try repo.updateReference(name: referenceName, to: target, expected: tip)
            do {
                try repo.push(remote: "origin", refspecs: ["\(referenceName):\(referenceName)"], credentials: repository.currentCredentials())
                return .moved(from: tip)
            } catch let error as GitError where BranchPublisher.isRace(error) {
                try? publisher.fetchBranch(repo)
                return .raced
            } catch {
                // Put the mirror back: it must reflect the remote.
                if let tip {
                    try? repo.updateReference(name: referenceName, to: tip, expected: target)
                } else {
                    try? repo.deleteReference(name: referenceName)
                }
                throw error
            }
        }
    }
}
