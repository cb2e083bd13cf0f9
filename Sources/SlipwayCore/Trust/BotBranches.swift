/// Branches the bot owns in the managed repository, and what follows from owning them.
public enum BotBranches {
    /// Where regenerated LLM docs wait for review (`docs.publish: pull-request`): one bot commit
    /// on the staging branch's tip, proposed by one bot pull request.
    public static let docs = "slipway/docs"

    /// Whether a pull request is the bot's own docs proposal: from `slipway/docs` of this very
    /// repository. It changes only `docs/llm/`, so it gets no preview and no comment. A fork's
    /// branch of the same name is not the bot's and is treated like any other pull request.
    public static func isDocsProposal(headRef: String?, provenance: PullRequestProvenance) -> Bool {
        headRef == docs && provenance == .sameRepository
    }
}
