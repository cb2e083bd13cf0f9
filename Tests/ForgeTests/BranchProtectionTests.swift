import FakeGitHub
import Forge
import Foundation
import Testing

@Suite("Branch protection (repos/get-branch)")
struct BranchProtectionTests {
    @Test("the branch request matches GitHub's OpenAPI description, the fields read (name, commit.sha, protected) are GitHub's, and a name with slashes works")
    func matchesOpenAPI() throws {
        let harness = try Harness()
        harness.fake.setBranch("main", sha: String(repeating: "c", count: 40))
        harness.fake.setBranch("team/docs", sha: String(repeating: "d", count: 40))
        harness.fake.setProtected("main")
        #expect(try harness.client.branch("main").protected)
        #expect(try harness.client.branch("team/docs") == GitHubBranch(name: "team/docs", sha: String(repeating: "d", count: 40), protected: false))
        let spec = try OpenAPISubset()
        // (A name with a slash is sent with its slashes as path separators, as GitHub resolves
        // it; the OpenAPI template has one segment, so only the plain name is checked against it.)
        let requests = harness.fake.requests
        #expect(requests.map(\.path) == ["/repos/octo-org/shop/branches/main", "/repos/octo-org/shop/branches/team/docs"])
        for request in requests.prefix(1) {
            switch spec.check(request) {
            case .success(let id): #expect(id == "repos/get-branch")
            case .failure(let failure): Issue.record("\(failure)")
            }
        }
        let fields = try #require(spec.operation("repos/get-branch")?.responseFields)
        #expect(fields.isSuperset(of: ["name", "commit", "protected"]))
        #expect(ForgeOperation.getBranch.permission == "contents: read")
    }
}
