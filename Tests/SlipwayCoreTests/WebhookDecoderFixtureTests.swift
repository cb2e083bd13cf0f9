import Foundation
import SlipwayCore
import Testing

@Suite("Decoding the real webhook fixtures")
struct WebhookDecoderFixtureTests {
    @Test("every payload in the fixture folder decodes to an event of its file's event name")
    func everyFixtureDecodes() throws {
        let names = try WebhookFixtures.payloadNames()
        #expect(names.count == 12)
        for name in names {
            let outcome = try WebhookFixtures.decode(name)
            guard case .event(let event) = outcome else {
                Issue.record("\(name): \(outcome)")
                continue
            }
            #expect(event.name == WebhookFixtures.eventName(of: name), "\(name)")
        }
    }

    @Test("a repository hook ping gives its zen, hook id and repository")
    func ping() throws {
        let ping = try WebhookFixtures.ping("ping.json")
        #expect(ping.zen == "Anything added dilutes everything else.")
        #expect(ping.hookID == 109_948_940)
        #expect(ping.repository == RepositoryRef(
            id: 186_853_261, fullName: "Octocoders/Hello-World", name: "Hello-World", ownerLogin: "Octocoders",
            cloneURL: "https://github.com/Octocoders/Hello-World.git",
            htmlURL: "https://github.com/Octocoders/Hello-World", defaultBranch: "master"))
    }

    @Test("a real compact ping body without a trailing newline gives its zen and hook id")
    func compactPing() throws {
        let ping = try WebhookFixtures.ping("ping.compact-raw.json")
        #expect(ping.zen == "It's not fully shipped until it's fast.")
        #expect(ping.hookID == 9_480_855)
        #expect(ping.repository?.fullName == "lanwen/test")
        #expect(ping.repository?.id == 38_941_520)
    }

    @Test("a push that creates a branch is created, not deleted, on that branch")
    func pushNewBranch() throws {
        let push = try WebhookFixtures.push("push.new-branch.json")
        #expect(push.ref == "refs/heads/master")
        #expect(push.created && !push.deleted && !push.forced)
        #expect(push.kind == .branch)
        #expect(push.branch == "master")
        #expect(push.tag == nil)
        #expect(push.before == WebhookFixtures.zeros)
        #expect(push.after == "6113728f27ae82c7b1a177c8d03f9e96e0adf246")
        #expect(push.headCommitID == "6113728f27ae82c7b1a177c8d03f9e96e0adf246")
        #expect(push.commitIDs == ["6113728f27ae82c7b1a177c8d03f9e96e0adf246"])
        #expect(push.pusherName == "Codertocat")
        #expect(push.sender == "Codertocat")
        #expect(push.repository == RepositoryRef(
            id: 186_853_002, fullName: "Codertocat/Hello-World", name: "Hello-World", ownerLogin: "Codertocat",
            cloneURL: "https://github.com/Codertocat/Hello-World.git",
            htmlURL: "https://github.com/Codertocat/Hello-World", defaultBranch: "master"))
    }

    @Test("a push that deletes a tag is deleted, names the tag and has no head commit")
    func pushTagDeleted() throws {
        let push = try WebhookFixtures.push("push.tag-deleted.json")
        #expect(push.ref == "refs/tags/simple-tag")
        #expect(push.deleted && !push.created && !push.forced)
        #expect(push.kind == .tag)
        #expect(push.tag == "simple-tag")
        #expect(push.branch == nil)
        #expect(push.before == "6113728f27ae82c7b1a177c8d03f9e96e0adf246")
        #expect(push.after == WebhookFixtures.zeros)
        #expect(push.headCommitID == nil)
        #expect(push.commitIDs.isEmpty)
    }

    @Test("an ordinary push to an existing branch is neither created nor deleted")
    func pushBranchUpdated() throws {
        let push = try WebhookFixtures.push("push.branch-updated.json")
        #expect(!push.created && !push.deleted && !push.forced)
        #expect(push.kind == .branch)
        #expect(push.branch == "bkeepers-patch-3")
        #expect(push.before == "f5cd85485562ec4b0855c77cf44ecbed40c8e689")
        #expect(push.after == "738a951dba49dfec487000ef85ae80291d7ab32a")
        #expect(push.headCommitID == "738a951dba49dfec487000ef85ae80291d7ab32a")
        #expect(push.commitIDs.count == 1)
        #expect(push.sender == "bkeepers")
        #expect(push.repository.fullName == "bkeepers-inc/test")
        #expect(push.repository.ownerLogin == "bkeepers-inc")
    }

    @Test("other ref kinds are neither branch nor tag")
    func otherRefKinds() {
        let repository = RepositoryRef(fullName: "o/r", name: "r", ownerLogin: "o")
        for ref in ["refs/notes/commits", "refs/heads/", "refs/tags/", "refs/pull/1/head", "main"] {
            let push = PushEvent(
                ref: ref, before: "a", after: "b", created: false, deleted: false, forced: false, repository: repository)
            #expect(push.kind == .other, "\(ref)")
            #expect(push.branch == nil && push.tag == nil, "\(ref)")
        }
        let nested = PushEvent(
            ref: "refs/heads/feature/x", before: "a", after: "b", created: false, deleted: false, forced: false,
            repository: repository)
        #expect(nested.branch == "feature/x")
    }

    @Test("an opened pull request gives its number, refs, shas, labels and author", arguments: [
        ("pull_request.opened.json", PullRequestAction.opened),
        ("pull_request.reopened.json", PullRequestAction.reopened),
    ])
    func openedAndReopened(name: String, action: PullRequestAction) throws {
        let event = try WebhookFixtures.pullRequest(name)
        #expect(event.action == action)
        #expect(event.number == 2)
        #expect(event.sender == "Codertocat")
        #expect(event.label == nil)
        #expect(event.before == nil && event.after == nil)
        #expect(event.repository.fullName == "Codertocat/Hello-World")
        #expect(event.repository.id == 186_853_002)
        let pr = event.pullRequest
        #expect(pr.number == 2)
        #expect(pr.state == .open)
        #expect(pr.title == "Update the README with new information.")
        #expect(!pr.draft && !pr.merged)
        #expect(pr.mergeCommitSHA == nil)
        #expect(pr.head == PullRequestRef(
            ref: "changes", sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821", repoFullName: "Codertocat/Hello-World"))
        #expect(pr.base == PullRequestRef(
            ref: "master", sha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", repoFullName: "Codertocat/Hello-World"))
        #expect(pr.labels == ["bug"])
        #expect(pr.author == "Codertocat")
        #expect(!pr.isFromFork)
    }

    @Test("a synchronize gives the previous and new head shas")
    func synchronize() throws {
        let event = try WebhookFixtures.pullRequest("pull_request.synchronize.json")
        #expect(event.action == .synchronize)
        #expect(event.number == 2)
        #expect(event.before == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e")
        #expect(event.after == "ec26c3e57ca3a959ca5aad62de7213c562f8c821")
        #expect(event.pullRequest.head.sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821")
        #expect(event.pullRequest.base.sha == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e")
    }

    @Test("a closed but unmerged pull request has merged false")
    func closedUnmerged() throws {
        let event = try WebhookFixtures.pullRequest("pull_request.closed.json")
        #expect(event.action == .closed)
        #expect(event.number == 2)
        #expect(event.pullRequest.state == .closed)
        #expect(event.pullRequest.merged == false)
        #expect(event.pullRequest.mergeCommitSHA == "c4295bd74fb0f4fda03689c3df3f2803b658fd85")
        #expect(event.pullRequest.head.sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821")
        #expect(event.pullRequest.base.ref == "master")
    }

    @Test("a closed and merged pull request has merged true and its merge commit")
    func closedMerged() throws {
        let event = try WebhookFixtures.pullRequest("pull_request.closed.merged.json")
        #expect(event.action == .closed)
        #expect(event.number == 62)
        let pr = event.pullRequest
        #expect(pr.number == 62)
        #expect(pr.state == .closed)
        #expect(pr.merged == true)
        #expect(pr.mergeCommitSHA == "473d70eb7c50a54ae62bf9b124efa1c3eb245be8")
        #expect(pr.head == PullRequestRef(
            ref: "anbraten-patch-3", sha: "c88b9ee719285134957cbc698c9b7ef9b78007bf",
            repoFullName: "anbraten/test-ready-release-go"))
        #expect(pr.base == PullRequestRef(
            ref: "main", sha: "26fd46e0d1237cdabfe84ec6a0f37466fc716952",
            repoFullName: "anbraten/test-ready-release-go"))
        #expect(pr.labels.isEmpty)
        #expect(pr.title == "Change file")
        #expect(!pr.isFromFork)
        #expect(event.repository.defaultBranch == "main")
        #expect(event.sender == "anbraten")
    }

    @Test("labeled and unlabeled name the label", arguments: [
        ("pull_request.labeled.json", PullRequestAction.labeled),
        ("pull_request.unlabeled.json", PullRequestAction.unlabeled),
    ])
    func labels(name: String, action: PullRequestAction) throws {
        let event = try WebhookFixtures.pullRequest(name)
        #expect(event.action == action)
        #expect(event.label == "bug")
        #expect(event.number == 2)
        #expect(event.pullRequest.head.sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821")
        #expect(event.pullRequest.base.sha == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e")
    }
}
