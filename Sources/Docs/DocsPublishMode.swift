import Foundation

/// How the bot publishes the regenerated LLM docs after a healthy staging deploy (operator
/// configuration `docs-publish` / `docs.publish`; never chosen by the repository or a pull
/// request).
public enum DocsPublishMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A bot commit straight on the staging branch.
    case commit
    /// A bot commit on the bot's own branch (`slipway/docs`) on top of staging's tip, and one open
    /// pull request from it into the staging branch, kept up to date.
    case pullRequest = "pull-request"
    /// `commit`, unless the forge says the staging branch is protected or the push is refused:
    /// then `pull-request`.
    case auto

    public var description: String { rawValue }

    /// The mode `text` names, or nil.
    public init?(parsing text: String) {
        self.init(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
