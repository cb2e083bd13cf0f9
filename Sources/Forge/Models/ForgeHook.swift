/// The webhook that sends the bot its deliveries: a repository webhook by its id
/// (`/repos/{owner}/{repo}/hooks/{id}`), or the GitHub App's own webhook (`/app/hook`, read with
/// the App's JWT, shared by all of the App's installations).
public enum ForgeHook: Sendable, Equatable, CustomStringConvertible {
    case repository(Int)
    case app

    /// `--forge-hook-id`'s value: a positive number, or `app`; nil for anything else.
    public init?(option text: String) {
        if text == "app" {
            self = .app
        } else if let id = Int(text), id > 0 {
            self = .repository(id)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .repository(let id): "webhook \(id)"
        case .app: "the GitHub App's webhook"
        }
    }
}
