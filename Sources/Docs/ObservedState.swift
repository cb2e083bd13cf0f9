public import Foundation
public import SlipwayCore

/// What the bot observed running, as its store had it after a deploy: an optional input of the
/// docs (the bot builds it after each healthy staging deploy; `slipway docs generate` with a
/// store). Pure and bounded: at most `maximumEnvironments` environments (the most recently
/// updated), every text at most `maximumTextLength` characters. It becomes one `deploy:<name>`
/// node per environment, linked to the environment node declared in files.
///
/// It holds no wall-clock time of its own: the times are those of the deploys, so the pages
/// change only when something was deployed.
public struct ObservedState: Sendable, Equatable {
    public static let maximumEnvironments = 50
    public static let maximumTextLength = 200

    /// One environment the store knows.
    public struct Environment: Sendable, Equatable {
        public var name: String
        /// `preview`, `staging` or `production`.
        public var kind: String
        /// `healthy`, `failed`, `building`, ... (`EnvironmentStatus`).
        public var status: String
        /// The commit it runs (or last tried to).
        public var sha: String
        public var url: String?
        public var pullRequest: Int?
        /// The spec file that declares it (`environments/staging.yaml`).
        public var specFile: String
        /// The last health check of its last deploy (`HTTP 200 after 1 attempt`).
        public var health: String?
        /// When its last deploy finished (or started, when it never finished).
        public var lastDeployAt: Date?
        /// `succeeded`, `failed`, `cancelled`, ...
        public var lastDeployOutcome: String?
        /// Why its last deploy failed. Never shown for previews: a pull request controls it.
        public var lastFailure: String?
        /// When the store last changed the record: only chooses which environments are kept.
        public var updatedAt: Date

        public init(
            name: String, kind: String, status: String, sha: String, url: String? = nil, pullRequest: Int? = nil, specFile: String,
            health: String? = nil, lastDeployAt: Date? = nil, lastDeployOutcome: String? = nil, lastFailure: String? = nil,
            updatedAt: Date
        ) {
            self.name = name
            self.kind = kind
            self.status = status
            self.sha = sha
            self.url = url
            self.pullRequest = pullRequest
            self.specFile = specFile
            self.health = health
            self.lastDeployAt = lastDeployAt
            self.lastDeployOutcome = lastDeployOutcome
            self.lastFailure = lastFailure
            self.updatedAt = updatedAt
        }

        public var isPreview: Bool { kind == EnvironmentKind.preview.rawValue }
    }

    /// The deploy after which the state was read (`staging`, and its commit).
    public var asOfEnvironment: String
    public var asOfSHA: String
    /// Sorted: staging and production (and other kinds) by name, then previews by pull request.
    public private(set) var environments: [Environment]
    /// How many more environments the store had than were kept.
    public private(set) var omitted: Int

    /// Keeps the `maximumEnvironments` most recently updated environments and bounds every text.
    public init(asOfEnvironment: String, asOfSHA: String, environments: [Environment]) {
        self.asOfEnvironment = Self.bounded(asOfEnvironment)
        self.asOfSHA = Self.bounded(asOfSHA)
        let newest = environments.sorted { ($0.updatedAt, $1.name) > ($1.updatedAt, $0.name) }.prefix(Self.maximumEnvironments)
        omitted = environments.count - newest.count
        self.environments = newest.map { environment in
            var bounded = environment
            bounded.name = Self.bounded(environment.name)
            bounded.kind = Self.bounded(environment.kind)
            bounded.status = Self.bounded(environment.status)
            bounded.sha = Self.bounded(environment.sha)
            bounded.url = environment.url.map(Self.bounded)
            bounded.specFile = Self.bounded(environment.specFile)
            bounded.health = environment.health.map(Self.bounded)
            bounded.lastDeployOutcome = environment.lastDeployOutcome.map(Self.bounded)
            bounded.lastFailure = environment.isPreview ? nil : environment.lastFailure.map(Self.bounded)
            return bounded
        }.sorted(by: Self.order)
    }

    /// The same state with every text passed through `redactor` (secret values become `***`).
    public func redacted(by redactor: Redactor) -> ObservedState {
        var copy = self
        copy.asOfEnvironment = redactor.redact(asOfEnvironment)
        copy.asOfSHA = redactor.redact(asOfSHA)
        copy.environments = environments.map { environment in
            var clean = environment
            clean.name = redactor.redact(environment.name)
            clean.status = redactor.redact(environment.status)
            clean.sha = redactor.redact(environment.sha)
            clean.url = environment.url.map(redactor.redact)
            clean.health = environment.health.map(redactor.redact)
            clean.lastDeployOutcome = environment.lastDeployOutcome.map(redactor.redact)
            clean.lastFailure = environment.lastFailure.map(redactor.redact)
            return clean
        }
        return copy
    }

    static func order(_ lhs: Environment, _ rhs: Environment) -> Bool {
        switch (lhs.isPreview, rhs.isPreview) {
        case (false, true): true
        case (true, false): false
        case (true, true): (lhs.pullRequest ?? 0, lhs.name) < (rhs.pullRequest ?? 0, rhs.name)
        case (false, false): lhs.name < rhs.name
        }
    }

    /// One line of at most `maximumTextLength` characters (control characters become spaces).
    static func bounded(_ text: String) -> String {
        let flat = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
        return flat.count > maximumTextLength ? String(flat.prefix(maximumTextLength - 1)) + "…" : flat
    }

    /// Text the docs quote from observed state, safe inside a Markdown code span and an HTML
    /// comment: letters, digits and plain punctuation only; anything else (backticks, brackets,
    /// angle brackets, pipes, line breaks) becomes `_`. A pull request cannot inject Markdown,
    /// links or HTML through it.
    static func safe(_ text: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;/@+=-_'?!%#&*()…")
        return String(text.map { allowed.contains($0) ? $0 : "_" })
    }

    /// A node id part: letters, digits, `.`, `_` and `-` only, never `--` (ids are quoted in
    /// HTML comments).
    static func idPart(_ text: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        var id = String(text.map { allowed.contains($0) ? $0 : "_" })
        while id.contains("--") { id = id.replacingOccurrences(of: "--", with: "-_") }
        return id
    }
}
