/// One setting of the bot: a `--flag`, a key in `slipway.yaml` (same name) and an environment
/// variable `SLIPWAY_...`. Precedence: flag, then environment, then file, then default.
public struct ConfigOption: Sendable {
    public let name: String
    public let valueName: String
    public let help: String
    public let defaultValue: String?
    /// May be given more than once on the command line (`--grant`).
    public var repeatable = false

    /// `SLIPWAY_WEBHOOK_SECRET_FILE` for `webhook-secret-file`.
    public var environmentVariable: String {
        "SLIPWAY_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    public static let config = ConfigOption(name: "config", valueName: "FILE",
        help: "Read settings from this YAML file (keys are these option names).", defaultValue: "slipway.yaml if present")
    public static let repo = ConfigOption(name: "repo", valueName: "PATH_OR_URL",
        help: "The managed repository: a local or bare repository path, or an http(s) URL cloned into the work dir.", defaultValue: nil)
    public static let listen = ConfigOption(name: "listen", valueName: "HOST:PORT",
        help: "Address for webhooks, /healthz, /readyz and /metrics (port 0 picks a free port).", defaultValue: "127.0.0.1:8080")
    public static let webhookPath = ConfigOption(name: "webhook-path", valueName: "PATH",
        help: "URL path that receives GitHub webhooks.", defaultValue: "/webhook")
    public static let webhookSecretFile = ConfigOption(name: "webhook-secret-file", valueName: "FILE",
        help: "File holding the webhook secret (or set SLIPWAY_WEBHOOK_SECRET). Never printed.", defaultValue: nil)
    public static let store = ConfigOption(name: "store", valueName: "URL",
        help: "State store: sqlite:PATH (relative to the work dir; ?sync=full for power-loss durability) or postgres://...", defaultValue: "sqlite:state.db")
    public static let workDir = ConfigOption(name: "work-dir", valueName: "DIR",
        help: "Directory for state, checkouts and logs.", defaultValue: ".slipway")
    public static let maxBody = ConfigOption(name: "max-body", valueName: "BYTES",
        help: "Largest webhook body accepted; larger ones get 413 unread (suffixes K, M, Mi, ... allowed).", defaultValue: "26214400")
    public static let logFormat = ConfigOption(name: "log-format", valueName: "json|text",
        help: "Log lines on stderr: one JSON object per line, or text for people.", defaultValue: "json")
    public static let logLevel = ConfigOption(name: "log-level", valueName: "LEVEL",
        help: "Least important log level shown: debug, info, warning, error.", defaultValue: "info")
    public static let workers = ConfigOption(name: "delivery-workers", valueName: "N",
        help: "Threads that process journaled deliveries.", defaultValue: "2")

    public static let runnerWorkers = ConfigOption(name: "workers", valueName: "N",
        help: "Builds and deploys that may run at once (one per environment at most).", defaultValue: "2")
    public static let connectionTimeout = ConfigOption(name: "connection-timeout", valueName: "SECONDS",
        help: "Drop a client that stays idle this long mid-request (slow or stalled senders).", defaultValue: "10")

    public static let reconcileInterval = ConfigOption(name: "reconcile-interval", valueName: "DURATION",
        help: "How often to reconcile from git even without webhooks (e.g. 60s, 5m).", defaultValue: "60s")
    public static let defaultBranch = ConfigOption(name: "default-branch", valueName: "BRANCH",
        help: "The branch PRs are assumed to target when only their refs are known (no forge, no webhook).", defaultValue: "main")

    public static let forgeURL = ConfigOption(name: "forge-url", valueName: "URL",
        help: "GitHub API base URL (GitHub Enterprise: https://HOST/api/v3).", defaultValue: "https://api.github.com")
    public static let forgeRepo = ConfigOption(name: "forge-repo", valueName: "OWNER/NAME",
        help: "The repository on GitHub; derived when omitted from a --repo URL on github.com or on --forge-url's host. Deliveries about any other repository are ignored.", defaultValue: nil)
    public static let forgeTokenFile = ConfigOption(name: "forge-token-file", valueName: "FILE",
        help: "File holding a GitHub token (or set SLIPWAY_FORGE_TOKEN). Never printed.", defaultValue: nil)
    public static let forgeAppID = ConfigOption(name: "forge-app-id", valueName: "ID",
        help: "GitHub App id, to authenticate as an App instead of with a token.", defaultValue: nil)
    public static let forgeAppKeyFile = ConfigOption(name: "forge-app-key-file", valueName: "FILE",
        help: "The GitHub App's private key (PEM).", defaultValue: nil)
    public static let forgeInstallationID = ConfigOption(name: "forge-installation-id", valueName: "ID",
        help: "The App's installation id (looked up from the repository when omitted).", defaultValue: nil)

    public static let forgeHookID = ConfigOption(name: "forge-hook-id", valueName: "ID|app",
        help: "The webhook that sends this bot its deliveries: the repository webhook's id (Settings > Webhooks, in the hook's URL; the token needs webhooks: read and write, repository_hooks), or app for the GitHub App's webhook (read with the App's key). With it, `slipway diag` reports the hook's last deliveries and serve asks GitHub at start to redeliver the ones that failed.", defaultValue: nil)

    public static let evidenceBranch = ConfigOption(name: "evidence-branch", valueName: "BRANCH",
        help: "Branch that receives deployment evidence (may be main).", defaultValue: "slipway/evidence")
    public static let botName = ConfigOption(name: "bot-name", valueName: "NAME",
        help: "Author name of the bot's commits (evidence, docs).", defaultValue: "slipway[bot]")
    public static let botEmail = ConfigOption(name: "bot-email", valueName: "EMAIL",
        help: "Author email of the bot's commits.", defaultValue: "slipway[bot]@users.noreply.github.com")

    public static let docsPublish = ConfigOption(name: "docs-publish", valueName: "commit|pull-request|auto",
        help: "How the regenerated LLM docs reach the staging branch after a healthy staging deploy (docs.publish in slipway.yaml): commit (a bot commit on the branch), pull-request (one bot-owned pull request from slipway/docs, kept up to date) or auto (commit, unless GitHub says the branch is protected or the push is refused).",
        defaultValue: "auto")

    public static let isolation = ConfigOption(name: "isolation", valueName: "sandbox|none",
        help: "How builds and apps are confined: sandbox (each environment its own uid, namespaces and limits; needs root and bubblewrap) or none (unconfined, said in every PR comment). Without isolation previews are refused unless this is none.",
        defaultValue: "sandbox")
    public static let isolationUIDs = ConfigOption(name: "isolation-uids", valueName: "BASE:COUNT",
        help: "The uids (and gids) environments run as: COUNT of them from BASE. Give each bot on one host its own range.",
        defaultValue: "200000:10000")
    public static let grant: ConfigOption = {
        var option = ConfigOption(name: "grant", valueName: "NAME=env:VAR|file:PATH@ENVS",
            help: "Grant a secret to environments (repeatable): NAME=env:VARIABLE@preview,staging or NAME=file:PATH@production; kinds or name globs. Specs name grants in 'secrets:'; also 'grants:' in slipway.yaml.",
            defaultValue: nil)
        option.repeatable = true
        return option
    }()

    public static let dockerHost = ConfigOption(name: "docker-host", valueName: "unix:///PATH|tcp://HOST:PORT",
        help: "The Docker Engine API of deploy.driver: container (default: DOCKER_HOST, then unix:///var/run/docker.sock); tcp with DOCKER_TLS_VERIFY uses the certificates in DOCKER_CERT_PATH.",
        defaultValue: nil)

    public static let evidenceRetention = ConfigOption(name: "evidence-retention", valueName: "DURATION",
        help: "Evidence older than this is pruned (one commit, index kept in step), checked daily; 0 keeps it forever.", defaultValue: "90d")
    public static let evidenceCompressAfter = ConfigOption(name: "evidence-compress-after", valueName: "DURATION",
        help: "Evidence logs older than this are gzipped.", defaultValue: "30d")

    public static let deliveryRetention = ConfigOption(name: "delivery-retention", valueName: "DURATION",
        help: "Finished webhook deliveries (and their bodies) older than this are removed from the store, checked daily; 0 keeps them forever.", defaultValue: "30d")
    public static let jobRetention = ConfigOption(name: "job-retention", valueName: "DURATION",
        help: "Finished jobs older than this are removed from the store (each environment keeps its newest), with the forge queue's bookkeeping and the comment state of torn-down previews; checked daily; 0 keeps them forever.", defaultValue: "30d")

    public static let databaseAdmin = ConfigOption(name: "database-admin", valueName: "env:VAR|file:PATH",
        help: "Where the connection string of the PostgreSQL role that creates snapshot and environment databases is (also databases.admin in slipway.yaml). Never printed.", defaultValue: nil)
    public static let databaseProduction = ConfigOption(name: "database-production", valueName: "env:VAR|file:PATH",
        help: "Where the read-only connection string of the production database snapshots are made from is (databases.production). Never printed.", defaultValue: nil)
    public static let databaseTools = ConfigOption(name: "database-tools", valueName: "DIR",
        help: "Directory of pg_dump and pg_restore (default: those matching the server's version).", defaultValue: nil)
    public static let databaseAppHost = ConfigOption(name: "database-app-host", valueName: "HOST:PORT",
        help: "The address apps reach the database server at (default: the admin connection's host and port).", defaultValue: nil)
    public static let snapshotEvery = ConfigOption(name: "snapshot-every", valueName: "DURATION",
        help: "Make a sanitized production snapshot this often and refresh staging from it (snapshot.every); 0: only by 'slipway snapshot create'.", defaultValue: "0")
    public static let snapshotKeep = ConfigOption(name: "snapshot-keep", valueName: "N",
        help: "Snapshots kept, newest first (snapshot.keep).", defaultValue: "3")
    public static let mailCatchall = ConfigOption(name: "mail-catchall", valueName: "smtp://HOST:PORT",
        help: "Where neutralized environments send mail (mail: catch-all); without it such environments are refused.", defaultValue: nil)

    public static let apiTokenFile = ConfigOption(name: "api-token-file", valueName: "FILE",
        help: "File holding the bearer token of the read API (/api/v1/...) and the dashboard (/); without it both are off. At least 16 bytes. Never printed.", defaultValue: nil)
    public static let adminListen = ConfigOption(name: "admin-listen", valueName: "HOST:PORT",
        help: "A second listener for the API, the dashboard and /metrics (they then leave the webhook listener).", defaultValue: nil)
    public static let dashboardTemplates = ConfigOption(name: "dashboard-templates", valueName: "DIR",
        help: "The operator's dashboard templates (index.html, evidence.html) instead of the repository's templates/dashboard/ or the built-in ones.", defaultValue: nil)
    public static let router = ConfigOption(name: "router", valueName: "caddy|none",
        help: "How environments get URLs a reviewer can open: caddy (Slipway programs Caddy's admin API; needs --preview-domain) or none (loop-back URLs).", defaultValue: "none")
    public static let previewDomain = ConfigOption(name: "preview-domain", valueName: "DOMAIN",
        help: "Previews are served at https://<env>.<DOMAIN> (point *.DOMAIN at Caddy); staging and production may name their own host in their spec.", defaultValue: nil)
    public static let caddyAdmin = ConfigOption(name: "caddy-admin", valueName: "URL",
        help: "Caddy's admin API: http://127.0.0.1:PORT, http://[::1]:PORT or unix//PATH (loopback or a Unix socket only).", defaultValue: "http://127.0.0.1:2019")
    public static let routerListen = ConfigOption(name: "router-listen", valueName: "HOST:PORT",
        help: "The address of Slipway's own server in Caddy (its other servers are left alone).", defaultValue: ":443")
    public static let tls = ConfigOption(name: "tls", valueName: "internal|acme|files",
        help: "Certificates for the environments' hosts: acme (public, on demand, only for live environments), internal (Caddy's local CA: tests, the demo) or files (--tls-cert-file and --tls-key-file, e.g. a wildcard).", defaultValue: "acme")
    public static let tlsCertFile = ConfigOption(name: "tls-cert-file", valueName: "FILE",
        help: "With --tls files: the certificate (PEM, usually *.preview-domain) Caddy loads.", defaultValue: nil)
    public static let tlsKeyFile = ConfigOption(name: "tls-key-file", valueName: "FILE",
        help: "With --tls files: its private key (PEM), read by Caddy, never by Slipway.", defaultValue: nil)
    public static let previewAuth = ConfigOption(name: "preview-auth", valueName: "GRANT",
        help: "Put previews behind basic auth with the user:password held by this grant (hashed with bcrypt for Caddy; never printed).", defaultValue: nil)

    /// Options of the preview router (`--router caddy`).
    public static let routerOptions: [ConfigOption] = [
        .router, .previewDomain, .caddyAdmin, .routerListen, .tls, .tlsCertFile, .tlsKeyFile, .previewAuth,
    ]

    /// Options of commands that work on databases (`snapshot`, `env refresh`).
    public static let dataOptions: [ConfigOption] = [
        .databaseAdmin, .databaseProduction, .databaseTools, .databaseAppHost, .snapshotEvery, .snapshotKeep, .mailCatchall,
    ]

    /// Options every command that reads the bot's state accepts.
    public static let stateOptions: [ConfigOption] = [.config, .store, .workDir]
    /// Options of `slipway serve`, in help order.
    public static let serveOptions: [ConfigOption] = [
        .config, .repo, .listen, .webhookPath, .webhookSecretFile, .store, .workDir, .maxBody,
        .logFormat, .logLevel, .workers, .runnerWorkers, .connectionTimeout, .reconcileInterval, .defaultBranch,
        .forgeURL, .forgeRepo, .forgeTokenFile, .forgeAppID, .forgeAppKeyFile, .forgeInstallationID, .forgeHookID,
        .evidenceBranch, .botName, .botEmail, .docsPublish, .evidenceRetention, .evidenceCompressAfter, .deliveryRetention, .jobRetention,
        .grant, .isolation, .isolationUIDs, .dockerHost, .apiTokenFile, .adminListen, .dashboardTemplates,
    ] + dataOptions + routerOptions
}
