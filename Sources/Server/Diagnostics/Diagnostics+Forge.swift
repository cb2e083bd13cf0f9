import Forge
import Foundation

extension Diagnostics {
    /// What an App (or a fine-grained token) needs, as GitHub names the permissions.
    static let requiredAppPermissions: [(name: String, level: String)] = [
        ("contents", "write"), ("pull_requests", "write"), ("issues", "write"), ("statuses", "write"),
        ("deployments", "write"), ("checks", "read"), ("metadata", "read"),
    ]

    /// The forge's checks, and whether the credentials may push (nil: unknown).
    func forgeChecks() -> (checks: [DiagnosticCheck], pushPermission: (granted: Bool, who: String)?) {
        let howToConfigure = "give --forge-repo OWNER/NAME and --forge-token-file FILE (or --forge-app-id ID and --forge-app-key-file FILE)"
        guard let forge else {
            let reason = configuration.forge.credentials == nil
                ? "no forge credentials: no PR comments, commit statuses, deployments or promotions are posted"
                : "forge credentials are set but the repository on the forge is unknown"
            return ([check("forge.credentials", "forge") { .warn(reason, fix: howToConfigure) }], nil)
        }
        let client: GitHubClient
        switch forge {
        case .success(let made): client = made
        case .failure(let error):
            return ([check("forge.credentials", "forge") { .fail("the forge client cannot be made: \(error)", fix: "fix --forge-url (an http(s) URL) and the credentials' files") }], nil)
        }
        var checks: [DiagnosticCheck] = []
        let base = configuration.forge.apiBaseURL
        // One call answers both: does the forge answer, and does it take the credentials?
        let started = Date()
        let identity = Result { () throws(ForgeError) -> String in try client.botLogin() }
        let elapsed = Self.milliseconds(since: started)
        if case .failure(let error) = identity, Self.isUnreachable(error) {
            checks.append(DiagnosticCheck(name: "forge.reachable", area: "forge", status: .fail,
                                          reason: "\(base) does not answer: \(error.detail)",
                                          fix: "check --forge-url, DNS, the proxy and the firewall from this host; https://www.githubstatus.com says whether GitHub is down",
                                          durationMs: elapsed))
            return (checks, nil)
        }
        checks.append(DiagnosticCheck(name: "forge.reachable", area: "forge", status: .pass, reason: "\(base) answers", durationMs: elapsed))
        let login: String
        switch identity {
        case .success(let found):
            login = found
            checks.append(DiagnosticCheck(name: "forge.credentials", area: "forge", status: .pass,
                                          reason: "the credentials are valid and act as \(login)", durationMs: elapsed))
        case .failure(let error):
            checks.append(DiagnosticCheck(name: "forge.credentials", area: "forge", status: .fail,
                                          reason: Self.credentialsReason(error), fix: Self.credentialsFix(error, configuration.forge.credentials),
                                          durationMs: elapsed))
            return (checks, nil)
        }
        var push: (granted: Bool, who: String)?
        checks.append(check("forge.permission", "forge") {
            let (finding, granted) = permissionFinding(client, login: login)
            push = granted.map { ($0, login) }
            return finding
        })
        checks.append(check("forge.rate-limit", "forge") { rateLimitFinding(client) })
        checks.append(check("forge.webhook", "forge") { webhookFinding(client) })
        return (checks, push)
    }

    static func isUnreachable(_ error: ForgeError) -> Bool {
        switch error.kind {
        case .network, .serverError: true
        default: false
        }
    }

    static func credentialsReason(_ error: ForgeError) -> String {
        switch error.kind {
        case .unauthorized: "the forge refused the credentials (401): the token is invalid, expired or revoked, or the App's JWT was refused"
        default: "\(error)"
        }
    }

    static func credentialsFix(_ error: ForgeError, _ credentials: ForgeCredentials?) -> String {
        if case .app? = credentials {
            return "check --forge-app-id, --forge-app-key-file (the App's current private key) and that the App is installed on the repository"
        }
        switch error.kind {
        case .unauthorized:
            return "make a new token for the bot's account and put it in --forge-token-file (or SLIPWAY_FORGE_TOKEN)"
        default:
            return "use a personal access token of the bot's account that may read its own user (or a GitHub App: --forge-app-id)"
        }
    }

    /// Write (or better) on the repository: a token's role from the collaborator permission, an
    /// App's from the permissions `GET /app` lists. The Bool is whether pushes will be taken.
    func permissionFinding(_ client: GitHubClient, login: String) -> (Finding, Bool?) {
        let repository = client.repository.description
        do {
            if let app = try client.authenticatedApp() {
                let order = ["none": 0, "read": 1, "write": 2, "admin": 3]
                let missing = Self.requiredAppPermissions.filter { needed in
                    (order[app.permissions[needed.name] ?? "none"] ?? 0) < (order[needed.level] ?? 0)
                }
                let canPush = (order[app.permissions["contents"] ?? "none"] ?? 0) >= 2
                guard missing.isEmpty else {
                    let list = missing.map { "\($0.name): \($0.level)" }.joined(separator: ", ")
                    return (.fail("the App \(app.slug ?? app.name) lacks \(list) (Slipway needs write on contents, pull requests, issues, statuses and deployments)",
                                  fix: "grant \(list) in the App's settings (Permissions & events), then accept the new permissions on the installation"), canPush)
                }
                return (.pass("the App \(app.slug ?? app.name) has every permission Slipway needs (write on contents, pull requests, issues, statuses, deployments)"), true)
            }
            let permission = try client.collaboratorPermission(login)
            let role = permission.roleName ?? permission.permission
            guard permission.canWrite else {
                return (.fail("\(login) has \(role) on \(repository); Slipway needs write (it pushes evidence and docs, and posts statuses and comments)",
                              fix: "give \(login) the Write role on \(repository) (Settings > Collaborators and teams), or use a token whose account has it"), false)
            }
            return (.pass("\(login) has \(role) on \(repository) (write needed)"), true)
        } catch {
            return (.fail("cannot read the permission granted: \(error)",
                          fix: "grant the token \(error.permission) (a fine-grained token: Repository permissions > Metadata: read)"), nil)
        }
    }

    func rateLimitFinding(_ client: GitHubClient) -> Finding {
        do {
            let limit = try client.rateLimit()
            let percent = Int((limit.fractionLeft * 100).rounded(.down))
            let reset = Self.iso(Date(timeIntervalSince1970: Double(limit.reset)))
            let summary = "\(limit.remaining) of \(limit.limit) requests left (\(percent) %), reset at \(reset)"
            guard limit.fractionLeft >= thresholds.rateLimitWarnFraction else {
                return .warn("only \(summary)",
                             fix: "wait for the reset; if it keeps running low, lengthen --reconcile-interval, keep fewer previews open, or use a GitHub App (higher limits)")
            }
            return .pass(summary)
        } catch {
            return .fail("cannot read the rate limit: \(error)", fix: "check the credentials (any valid token may read its rate limit)")
        }
    }

    /// The hook's last deliveries: warn when any event's latest attempt failed.
    func webhookFinding(_ client: GitHubClient) -> Finding {
        guard let hook = configuration.forgeHook else {
            return .warn("the webhook's deliveries are not checked (no --forge-hook-id), and missed deliveries are not redelivered at start",
                         fix: "give --forge-hook-id ID (the number at the end of the repository hook's settings URL; the token needs webhooks: read and write, repository_hooks), or --forge-hook-id app for the GitHub App's webhook")
        }
        var deliveries: [GitHubHookDelivery]
        do throws(ForgeError) {
            deliveries = try client.hookDeliveries(hook, limit: thresholds.webhookDeliveries)
            if hook == .app {
                let installation = try client.appInstallationID()
                deliveries = deliveries.filter { $0.installationID == installation }
            }
        } catch {
            let fix = switch (hook, error.kind == .notFound || error.kind == .forbidden) {
            case (.repository(let id), true):
                "check --forge-hook-id \(id) is this repository's webhook (not an App's or an organization's), and grant the token webhooks: read (repository_hooks)"
            case (.app, true):
                "check the App's webhook is active (the App's settings > Webhook) and the app id and private key are the App's"
            default:
                "run diag again; if it persists, check the forge"
            }
            return .fail("cannot list the deliveries of \(hook): \(error)", fix: fix)
        }
        guard let newest = deliveries.first else {
            return .warn("\(hook) has made no deliveries \(hook == .app ? "for this installation " : "")yet",
                         fix: "redeliver its ping (the hook's settings > Recent Deliveries) or push, then run diag again")
        }
        let failed = HookRedelivery.failedEvents(deliveries)
        guard let latestFailure = failed.first else {
            return .pass("the last \(deliveries.count) deliveries of \(hook) were all answered 2xx (newest \(Self.iso(newest.deliveredAt)))")
        }
        let code = latestFailure.statusCode == 0 ? "no answer" : "\(latestFailure.statusCode)"
        return .warn("\(failed.count) of the last \(Set(deliveries.map(\.guid)).count) events sent to \(hook) failed (newest: \(latestFailure.event) \(latestFailure.guid), \(code) at \(Self.iso(latestFailure.deliveredAt)): \(latestFailure.status))",
                     fix: "check the hook's URL reaches this bot (--listen, the proxy) and its secret matches --webhook-secret-file; serve asks GitHub to redeliver failed events at start")
    }
}
