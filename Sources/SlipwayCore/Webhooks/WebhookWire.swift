/// The JSON shapes of GitHub webhook bodies, reduced to the fields Slipway reads. Unknown keys
/// are ignored. The coding keys are GitHub's own spelling so that a decoding error's coding path
/// reads like the payload (`pull_request.head.sha`).
enum WebhookWire {
    /// What the decoder reads of each event's body: `JSONPruner` keeps these fields (and only
    /// these) before the body is decoded, so a 28 KB delivery costs the decoder a few hundred
    /// bytes. Must name every coding key the shapes below read.
    enum Selection {
        typealias S = JSONPruner.Selection
        static let account = S.object(["login": .value])
        static let repository = S.object([
            "id": .value, "full_name": .value, "name": .value, "owner": account,
            "clone_url": .value, "html_url": .value, "default_branch": .value,
        ])
        static let ref = S.object(["ref": .value, "sha": .value, "repo": .object(["full_name": .value])])
        static let pullRequest = S.object([
            "number": .value, "state": .value, "title": .value, "draft": .value, "merged": .value,
            "merge_commit_sha": .value, "head": ref, "base": ref,
            "labels": .array(.object(["name": .value])), "user": account, "updated_at": .value,
        ])
        static let ping = S.object(["zen": .value, "hook_id": .value, "repository": repository])
        static let push = S.object([
            "ref": .value, "before": .value, "after": .value, "created": .value, "deleted": .value,
            "forced": .value, "repository": repository, "pusher": .object(["name": .value]), "sender": account,
            "head_commit": .object(["id": .value]), "commits": .array(.object(["id": .value])),
        ])
        static let pullRequestEvent = S.object([
            "action": .value, "number": .value, "pull_request": pullRequest, "label": .object(["name": .value]),
            "sender": account, "repository": repository, "before": .value, "after": .value,
        ])
        static let pullRequestReviewEvent = S.object([
            "action": .value, "review": .object(["user": account, "state": .value, "commit_id": .value]),
            "pull_request": pullRequest, "sender": account, "repository": repository,
        ])
        static let action = S.object(["action": .value])
    }

    struct ActionProbe: Decodable {
        let action: String
    }

    /// `action` when it is a string; nil when missing or of another type.
    struct OptionalAction: Decodable {
        let action: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            action = try? container.decodeIfPresent(String.self, forKey: .action)
        }

        enum CodingKeys: String, CodingKey { case action }
    }

    struct Account: Decodable {
        let login: String
    }

    struct Repository: Decodable {
        let id: Int64?
        let fullName: String
        let name: String
        let owner: Account
        let cloneURL: String?
        let htmlURL: String?
        let defaultBranch: String?

        enum CodingKeys: String, CodingKey {
            case id, name, owner
            case fullName = "full_name"
            case cloneURL = "clone_url"
            case htmlURL = "html_url"
            case defaultBranch = "default_branch"
        }

        var model: RepositoryRef {
            RepositoryRef(
                id: id, fullName: fullName, name: name, ownerLogin: owner.login,
                cloneURL: cloneURL, htmlURL: htmlURL, defaultBranch: defaultBranch)
        }
    }

    struct Ping: Decodable {
        let zen: String?
        let hookID: Int64?
        let repository: Repository?

        enum CodingKeys: String, CodingKey {
            case zen, repository
            case hookID = "hook_id"
        }

        var model: PingEvent {
            PingEvent(zen: zen, hookID: hookID, repository: repository?.model)
        }
    }

    struct Pusher: Decodable {
        let name: String?
    }

    struct Commit: Decodable {
        let id: String
    }

    struct Push: Decodable {
        let ref: String
        let before: String
        let after: String
        let created: Bool
        let deleted: Bool
        let forced: Bool
        let repository: Repository
        let pusher: Pusher?
        let sender: Account?
        let headCommit: Commit?
        let commits: [Commit]?

        enum CodingKeys: String, CodingKey {
            case ref, before, after, created, deleted, forced, repository, pusher, sender, commits
            case headCommit = "head_commit"
        }

        var model: PushEvent {
            PushEvent(
                ref: ref, before: before, after: after, created: created, deleted: deleted,
                forced: forced, repository: repository.model, pusherName: pusher?.name,
                sender: sender?.login, headCommitID: headCommit?.id,
                commitIDs: (commits ?? []).map(\.id))
        }
    }

    struct Label: Decodable {
        let name: String
    }

    struct RefRepository: Decodable {
        let fullName: String

        enum CodingKeys: String, CodingKey {
            case fullName = "full_name"
        }
    }

    struct Ref: Decodable {
        let ref: String
        let sha: String
        let repo: RefRepository?

        var model: PullRequestRef {
            PullRequestRef(ref: ref, sha: sha, repoFullName: repo?.fullName)
        }
    }

    struct PullRequest: Decodable {
        let number: Int
        let state: String
        let title: String
        let draft: Bool?
        let merged: Bool?
        let mergeCommitSHA: String?
        let head: Ref
        let base: Ref
        let labels: [Label]?
        let user: Account?
        let updatedAt: String?

        enum CodingKeys: String, CodingKey {
            case number, state, title, draft, merged, head, base, labels, user
            case mergeCommitSHA = "merge_commit_sha"
            case updatedAt = "updated_at"
        }
    }

    struct PullRequestEvent: Decodable {
        let action: String
        let number: Int
        let pullRequest: PullRequest
        let label: Label?
        let sender: Account?
        let repository: Repository
        let before: String?
        let after: String?

        enum CodingKeys: String, CodingKey {
            case action, number, label, sender, repository, before, after
            case pullRequest = "pull_request"
        }
    }

    struct Review: Decodable {
        let user: Account?
        let state: String?
        let commitID: String?

        enum CodingKeys: String, CodingKey {
            case user, state
            case commitID = "commit_id"
        }
    }

    struct PullRequestReviewEvent: Decodable {
        let action: String
        let review: Review
        let pullRequest: PullRequest
        let sender: Account?
        let repository: Repository

        enum CodingKeys: String, CodingKey {
            case action, review, sender, repository
            case pullRequest = "pull_request"
        }

        var model: SlipwayCore.PullRequestReviewEvent {
            SlipwayCore.PullRequestReviewEvent(
                action: action, number: pullRequest.number, headRef: pullRequest.head.ref, headSHA: pullRequest.head.sha,
                baseRef: pullRequest.base.ref, reviewer: review.user?.login, state: review.state?.lowercased(),
                commitID: review.commitID, sender: sender?.login, repository: repository.model)
        }
    }
}
