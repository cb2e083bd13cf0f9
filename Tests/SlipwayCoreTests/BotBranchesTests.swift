import SlipwayCore
import Testing

@Suite("Bot-owned branches")
struct BotBranchesTests {
    @Test("only this repository's slipway/docs is the bot's docs proposal; a fork's branch of that name is an ordinary pull request")
    func docsProposal() {
        #expect(BotBranches.isDocsProposal(headRef: "slipway/docs", provenance: .sameRepository))
        #expect(!BotBranches.isDocsProposal(headRef: "slipway/docs", provenance: .fork))
        #expect(!BotBranches.isDocsProposal(headRef: "slipway/docs", provenance: .unknown))
        #expect(!BotBranches.isDocsProposal(headRef: "slipway/docs-2", provenance: .sameRepository))
        #expect(!BotBranches.isDocsProposal(headRef: nil, provenance: .sameRepository))
    }
}
