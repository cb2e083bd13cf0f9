/// What an environment is for. Previews follow open PRs; staging follows a branch; production
/// moves only by promotion.
public enum EnvironmentKind: String, Sendable, CaseIterable, Codable, Comparable {
    case preview, staging, production

    /// Preview and staging run user code with copies of data: they must be neutralized.
    public var requiresNeutralization: Bool { self != .production }

    public static func < (lhs: EnvironmentKind, rhs: EnvironmentKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One `environments/*.yaml` file, parsed and checked. Read from the exact commit being deployed.
public struct EnvironmentSpec: Sendable, Equatable {
    /// Path of the spec inside the repository (`environments/preview.yaml`).
    public var file: String
    public var kind: EnvironmentKind
    /// A fixed name (staging, production) or a template for previews (`pr-{{pr.number}}`).
    public var name: String
    public var match: Match
    public var build: [BuildStep]
    public var deploy: Deploy
    public var health: Health?
    /// Previews: torn down after this long without a push.
    public var ttl: Duration?
    /// Plain variables, in file order.
    public var env: [EnvVar]
    /// Secret variables: each names an operator grant that supplies its value at deploy time.
    public var secrets: [SecretRef]
    public var neutralize: Neutralization?
    public var promotion: Promotion?
    /// Paths (relative to the checkout) whose SHA-256 is recorded after the build.
    public var artifacts: [String]
    /// Resource limits of the environment's processes (`limits:`); unset ones take the runner's defaults.
    public var limits: Limits
    /// The environment's own database (`database:`), or nil for none.
    public var database: DatabaseSpec?
    /// Staging and production: the public host a router serves them on (`route.host`).
    public var route: Route?

    public init(
        file: String, kind: EnvironmentKind, name: String, match: Match, build: [BuildStep] = [],
        deploy: Deploy, health: Health? = nil, ttl: Duration? = nil, env: [EnvVar] = [],
        secrets: [SecretRef] = [], neutralize: Neutralization? = nil, promotion: Promotion? = nil,
        artifacts: [String] = [], limits: Limits = Limits(), database: DatabaseSpec? = nil, route: Route? = nil
    ) {
        self.file = file
        self.kind = kind
        self.name = name
        self.match = match
        self.build = build
        self.deploy = deploy
        self.health = health
        self.ttl = ttl
        self.env = env
        self.secrets = secrets
        self.neutralize = neutralize
        self.promotion = promotion
        self.artifacts = artifacts
        self.limits = limits
        self.database = database
        self.route = route
    }

    /// Which git state an environment follows.
    public struct Match: Sendable, Equatable {
        /// Previews: open PRs whose base branch matches this (a glob such as `main` or `release/*`).
        public var pullRequestBase: String?
        /// Label a person with write access puts on a fork PR before it is built.
        public var trustLabel: String
        /// Staging or production: the branch it follows.
        public var branch: String?

        public init(pullRequestBase: String? = nil, trustLabel: String = "safe-to-build", branch: String? = nil) {
            self.pullRequestBase = pullRequestBase
            self.trustLabel = trustLabel
            self.branch = branch
        }
    }

    public struct BuildStep: Sendable, Equatable {
        public var name: String?
        public var run: String
        public var timeout: Duration

        public init(name: String? = nil, run: String, timeout: Duration = .minutes(10)) {
            self.name = name
            self.run = run
            self.timeout = timeout
        }
    }

    public enum Driver: String, Sendable, CaseIterable {
        case process, command, container, kubernetes
    }

    public struct Deploy: Sendable, Equatable {
        public var driver: Driver
        /// process: the long-running command; command: the deploy script.
        public var run: String?
        /// command driver: the teardown script.
        public var teardown: String?
        /// command driver: the URL the environment answers on (may use `{{...}}` variables).
        public var url: String?
        /// container driver: the image, port, resources and mode.
        public var container: Container?

        public init(driver: Driver = .process, run: String? = nil, teardown: String? = nil, url: String? = nil,
                    container: Container? = nil) {
            self.driver = driver
            self.run = run
            self.teardown = teardown
            self.url = url
            self.container = container
        }
    }

    public struct Health: Sendable, Equatable {
        public var path: String
        public var timeout: Duration

        public init(path: String = "/healthz", timeout: Duration = .seconds(60)) {
            self.path = path
            self.timeout = timeout
        }
    }

    public struct EnvVar: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A secret variable: the name the app sees and the operator's grant that supplies it.
    /// Specs never say where a value lives (no files, no variables): see `Grant`.
    public struct SecretRef: Sendable, Equatable {
        public var name: String
        /// The grant's name in the bot's configuration.
        public var grant: String

        public init(name: String, grant: String) {
            self.name = name
            self.grant = grant
        }
    }

    public struct Neutralization: Sendable, Equatable {
        public enum Mail: String, Sendable, CaseIterable {
            /// All mail goes to a catch-all sink.
            case catchAll = "catch-all"
            /// Mail is dropped.
            case off
        }

        public var mail: Mail
        public var cronsOff: Bool
        /// Glob patterns no env or secret value may match (`sk_live_*`); also looked for in the
        /// environment's database before the app starts.
        public var forbid: [String]
        /// More variables the app reads its mail server from (`mail_env:`), set like `MAIL_URL`
        /// (to the catch-all's `smtp://host:port`, or to a closed port when mail is off).
        public var mailVariables: [String]
        /// Variables that turn the app's scheduled jobs off (`crons_env:`), set as given.
        public var cronVariables: [EnvVar]
        /// Statements run on the environment's own database before the app starts
        /// (`crons_sql:`), as the environment's database role.
        public var cronSQL: [String]

        public init(mail: Mail = .catchAll, cronsOff: Bool = true, forbid: [String] = [], mailVariables: [String] = [],
                    cronVariables: [EnvVar] = [], cronSQL: [String] = []) {
            self.mail = mail
            self.cronsOff = cronsOff
            self.forbid = forbid
            self.mailVariables = mailVariables
            self.cronVariables = cronVariables
            self.cronSQL = cronSQL
        }

        /// The variables a neutralized environment gets, so the app can tell.
        public var environment: [EnvVar] {
            [
                EnvVar(name: "SLIPWAY_NEUTRALIZED", value: "1"),
                EnvVar(name: "SLIPWAY_MAIL", value: mail.rawValue),
                EnvVar(name: "SLIPWAY_CRONS", value: cronsOff ? "off" : "on"),
            ]
        }
    }

    /// How an environment moves: only by an approved promotion PR from `from`'s branch into
    /// its own (production, or any environment of a chain such as qa -> staging -> production).
    public struct Promotion: Sendable, Equatable {
        public var from: String
        public var label: String
        /// GitHub logins and `org/team` slugs whose label or approving review counts.
        public var approvers: [String]
        /// Distinct approvals needed (the PR's author never counts).
        public var required: Int
        /// The head's combined status and check runs must be green.
        public var requireChecks: Bool
        /// A push to the branch that the bot did not make is deployed anyway (default: reported
        /// as unapproved and not deployed).
        public var allowDirectPush: Bool

        public init(from: String, label: String = "promote", approvers: [String] = [], required: Int = 1,
                    requireChecks: Bool = false, allowDirectPush: Bool = false) {
            self.from = from
            self.label = label
            self.approvers = approvers
            self.required = required
            self.requireChecks = requireChecks
            self.allowDirectPush = allowDirectPush
        }
    }
}
