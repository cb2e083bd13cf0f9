public import Foundation
public import Git
public import Reconcile
public import SlipwayCore

/// Generates the LLM docs (`docs/llm/`) of a repository at a commit: discovery → knowledge
/// graph → `graph.json` and Markdown pages from the `templates/llm/` templates, rendered in
/// strict mode. The same commit (and the same observed state) always gives the same bytes (no
/// timestamps but those of deploys, stable order). Every fact line of the built-in pages ends
/// with a `<!-- src: ... -->` comment naming the graph nodes behind it.
///
/// `commitIfChanged` validates the files and commits them to the staging branch as the bot,
/// only when a byte changed. The docs live under `docs/llm/`, which the reconciler's content id
/// ignores, so that commit plans no deploy.
public struct DocsGenerator: Sendable {
    public static let directory = "docs/llm"
    public static let pages = ["overview", "environments", "services", "relationships", "glossary", "playbook"]
    public static var expectedFiles: [String] {
        (pages.map { "\(directory)/\($0).md" } + ["\(directory)/graph.json"]).sorted()
    }
    /// Files bigger than this are not read by discovery.
    public static let maximumFileSize = 1024 * 1024

    public struct Configuration: Sendable {
        /// Secret values that must never appear in the docs (the runner's configured secrets).
        public var redactor: Redactor
        /// The branch the docs are committed to (the staging branch).
        public var branch: String
        public var authorName: String
        public var authorEmail: String
        public var credentials: GitCredentials?
        public var maxPushAttempts: Int
        /// Use `templates/llm/<page>.md` from the repository when it has one.
        public var allowTemplateOverrides: Bool
        /// What the bot observed running (read from its store by the caller); nil: the pages say
        /// that no observed state is available. Redacted with `redactor` before use.
        public var observed: ObservedState?

        public init(
            redactor: Redactor = Redactor(), branch: String = "main", authorName: String = "slipway[bot]",
            authorEmail: String = "slipway[bot]@users.noreply.github.com", credentials: GitCredentials? = nil,
            maxPushAttempts: Int = 16, allowTemplateOverrides: Bool = true, observed: ObservedState? = nil
        ) {
            self.redactor = redactor
            self.branch = branch
            self.authorName = authorName
            self.authorEmail = authorEmail
            self.credentials = credentials
            self.maxPushAttempts = maxPushAttempts
            self.allowTemplateOverrides = allowTemplateOverrides
            self.observed = observed
        }
    }

    /// The generated files with the graph they came from.
    public struct Output: Sendable {
        /// Path (`docs/llm/overview.md`) -> bytes.
        public var files: [String: Data]
        public var graph: KnowledgeGraph
        /// Problems found while reading the repository (dangling edges, unreadable files).
        public var errors: [String] { graph.errors }
    }

    public enum CommitOutcome: Sendable, Equatable {
        /// The docs at the branch tip are already these bytes.
        case unchanged(tip: String)
        /// `files` changed and were committed (and pushed) as `commit`.
        case committed(commit: String, files: [String], attempts: Int)
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    // MARK: Generating

    /// The docs for `commit`: path -> bytes.
    public func generate(repo: Repository, commit: ObjectID) throws -> [String: Data] {
        try analyze(repo: repo, commit: commit).files
    }

    public func analyze(repo: Repository, commit: ObjectID) throws -> Output {
        var inputs: [(path: String, contents: String)] = []
        var templates = DefaultTemplates.pages
        for entry in try repo.tree(at: commit, recursive: true) where entry.kind == .blob && !entry.isSymbolicLink {
            let overridePage = entry.path.hasPrefix("templates/llm/") && entry.path.hasSuffix(".md")
                ? String(entry.path.dropFirst("templates/llm/".count).dropLast(3)) : nil
            if configuration.allowTemplateOverrides, let page = overridePage, templates[page] != nil,
               let data = try repo.blob(at: entry.path, commit: commit) {
                templates[page] = String(decoding: data, as: UTF8.self)
                continue
            }
            guard Discovery.isInteresting(entry.path), let data = try repo.blob(at: entry.path, commit: commit),
                  data.count <= Self.maximumFileSize else { continue }
            inputs.append((entry.path, String(decoding: data, as: UTF8.self)))
        }
        return try render(files: inputs, templates: templates)
    }

    /// Pure: the docs for these repository files (and `configuration.observed`, if any).
    public func render(files: [(path: String, contents: String)], templates: [String: String]? = nil) throws -> Output {
        let observed = configuration.observed?.redacted(by: configuration.redactor)
        let graph = Discovery.discover(files: files, observed: observed)
        let context = DocsContext.build(graph, observed: observed)
        var output: [String: Data] = ["\(Self.directory)/graph.json": Data(graph.json.utf8)]
        for page in Self.pages {
            let name = "templates/llm/\(page).md"
            let text = (templates ?? DefaultTemplates.pages)[page] ?? DefaultTemplates.pages[page]!
            let rendered: String
            do {
                rendered = try Template(text, name: name).render(context, strict: true)
            } catch {
                throw DocsValidationError(problems: ["\(error)"])
            }
            output["\(Self.directory)/\(page).md"] = Data(Self.tidy(rendered).utf8)
        }
        return Output(files: output, graph: graph)
    }

    /// No leading blank lines, no trailing spaces, at most one blank line in a row (outside
    /// nothing: the pages have no preformatted blank lines), one final newline.
    static func tidy(_ text: String) -> String {
        var lines: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            while line.last == " " || line.last == "\t" { line.removeLast() }
            if line.isEmpty && (lines.isEmpty || lines.last == "") { continue }
            lines.append(line)
        }
        while lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }

    static func readable(_ text: String) -> String { Discovery.readable(text) }

    // MARK: Validating

    /// Token shapes that never belong in docs. Each needs enough characters after the prefix
    /// that a pattern such as a `sk_live_*` forbid glob is not mistaken for a key.
    static let secretPatterns: [(name: String, regex: String)] = [
        ("a GitHub token (ghp_...)", #"gh[pousr]_[A-Za-z0-9]{20,}"#),
        ("a GitHub fine-grained token (github_pat_...)", #"github_pat_[A-Za-z0-9_]{20,}"#),
        ("a Stripe live key (sk_live_...)", #"sk_live_[A-Za-z0-9]{8,}"#),
        ("an AWS access key id (AKIA...)", #"AKIA[0-9A-Z]{16}"#),
        ("a private key block", #"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"#),
    ]

    /// Every problem that must stop a commit: a missing file, a page without a `#` heading or
    /// real content, a leftover template tag, `graph.json` that is not JSON, or something that
    /// looks like a secret. Messages name the file and line, never the secret itself.
    public func validate(_ files: [String: Data]) -> [String] {
        var problems: [String] = []
        for path in Self.expectedFiles where files[path] == nil {
            problems.append("\(path) is missing")
        }
        for (path, data) in files.sorted(by: { $0.key < $1.key }) {
            let text = String(decoding: data, as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if path.hasSuffix(".md") {
                if !lines.contains(where: { $0.hasPrefix("# ") }) { problems.append("\(path) has no '# ' heading") }
                let body = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }
                if body.isEmpty { problems.append("\(path) has no content under its heading") }
            }
            if path.hasSuffix(".json"), JSONSyntax.valueProblem(data) != nil {
                problems.append("\(path) is not valid JSON")
            }
            for (number, line) in lines.enumerated() {
                if line.contains("{{") || line.contains("}}") {
                    problems.append("\(path):\(number + 1): a template tag was left in the output")
                }
                for (name, regex) in Self.secretPatterns where line.range(of: regex, options: .regularExpression) != nil {
                    problems.append("\(path):\(number + 1): contains what looks like \(name)")
                }
                if configuration.redactor.redact(line) != line {
                    problems.append("\(path):\(number + 1): contains a configured secret value")
                }
            }
        }
        return problems
    }

    // MARK: Committing

    /// Generates the docs at the tip of the staging branch, validates them and, when a byte
    /// differs from what the tip holds, commits the changed files as the bot and pushes (racing
    /// safely with other pushers). A failing validation commits nothing and throws
    /// `DocsValidationError` with every reason.
    ///
    /// `analyzed`, when given, receives the graph the docs were generated from and the commit it
    /// describes (the store keeps it as a snapshot), whether or not a file changed.
    public func commitIfChanged(repository: ManagedRepository,
                                analyzed: ((KnowledgeGraph, String) -> Void)? = nil) throws -> CommitOutcome {
        let publisher = BranchPublisher(repository: repository, branch: configuration.branch,
                                        credentials: configuration.credentials, maxAttempts: configuration.maxPushAttempts)
        // Document the branch as the remote has it now, not as the mirror last saw it.
        try repository.withRepository { repo in try publisher.fetchBranch(repo) }
        var tipSeen = ""
        let outcome = try publisher.publish(author: Signature(name: configuration.authorName, email: configuration.authorEmail)) { repo, tip in
            guard let tip else { throw PublishError("the branch \(configuration.branch) does not exist") }
            tipSeen = tip.hex
            return try pendingChanges(repo: repo, tip: tip, analyzed: analyzed)
        }
        switch outcome {
        case .nothingToDo:
            return .unchanged(tip: tipSeen)
        case .published(let published):
            return .committed(commit: published.commit.hex, files: published.changedPaths, attempts: published.attempts)
        }
    }
}

extension DocsGenerator {
    /// The docs `tip` lacks, validated, with the bot's commit message; nil when the docs at
    /// `tip` are already these bytes. Throws `DocsValidationError` when a check fails.
    /// `analyzed` receives the graph and `tip` either way. Shared by the direct commit and the
    /// bot's docs pull request (`DocsPullRequestBranch`).
    public func pendingChanges(repo: Repository, tip: ObjectID,
                               analyzed: ((KnowledgeGraph, String) -> Void)? = nil) throws -> (changes: [String: FileChange], message: String)? {
        let output = try analyze(repo: repo, commit: tip)
        let files = output.files
        let problems = validate(files)
        guard problems.isEmpty else { throw DocsValidationError(problems: problems) }
        analyzed?(output.graph, tip.hex)
        var changes: [String: FileChange] = [:]
        for (path, data) in files where try repo.blob(at: path, commit: tip) != data {
            changes[path] = .write(data)
        }
        guard !changes.isEmpty else { return nil }
        let names = changes.keys.sorted().map { String($0.dropFirst(Self.directory.count + 1)) }
        let message = """
        docs: regenerate LLM docs for \(tip.short())

        Changed: \(names.joined(separator: ", ")).
        Generated by Slipway from the repository's files; only docs/llm/ changes, so no deploy is planned.

        Slipway-Docs: \(tip.hex)
        """
        return (changes, message)
    }
}

/// The generated docs failed validation: nothing was committed. `problems` says why.
public struct DocsValidationError: Error, Sendable, CustomStringConvertible {
    public let problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String {
        "the generated docs were not committed: " + problems.joined(separator: "; ")
    }
}
