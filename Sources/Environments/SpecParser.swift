public import SlipwayCore
import YAML

/// Turns one environment spec file into an `EnvironmentSpec`, collecting every problem with its
/// position instead of stopping at the first.
public struct SpecParser {
    static let topKeys = ["kind", "name", "description", "match", "build", "deploy", "health", "ttl", "env",
                          "secrets", "neutralize", "promotion", "artifacts", "limits", "database", "route"]
    static let matchKeys = ["pull_request", "branch"]
    static let pullRequestKeys = ["base", "trust_label"]
    static let stepKeys = ["name", "run", "timeout"]
    static let deployKeys = ["driver", "run", "teardown", "url"] + containerKeys
    static let healthKeys = ["path", "timeout"]
    static let neutralizeKeys = ["mail", "crons", "forbid", "mail_env", "crons_env", "crons_sql"]
    static let promotionKeys = ["from", "label", "approvers", "required", "require_checks", "allow_direct_push"]
    /// Variables Slipway sets itself; a spec may not override them.
    public static let reservedVariables: Set<String> = ["PORT", "PATH", "HOME"]

    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    /// Where some values are (`name`, `match.branch`, `match.pull_request`, `promotion.from`),
    /// for diagnostics that involve several files.
    private(set) var marks: [String: YAMLMark] = [:]

    /// What a spec file may be: at most 256 KiB and 10,000 YAML nodes once aliases are expanded
    /// (spec files come from pull requests; bigger ones are refused with a diagnostic).
    static let yamlLimits = YAML.Limits(maximumNodes: 10_000, maximumBytes: maximumFileBytes)
    /// The largest spec file read at all (256 KiB).
    public static let maximumFileBytes = 256 * 1024

    /// Parses `text` (the contents of `file`). Returns the spec when there were no errors.
    public static func parse(_ text: String, file: String) -> (spec: EnvironmentSpec?, diagnostics: [Diagnostic]) {
        let result = parseWithMarks(text, file: file)
        return (result.diagnostics.isEmpty ? result.spec : nil, result.diagnostics)
    }

    /// Like `parse`, but `spec` is whatever could be built even when there are errors (for
    /// checks across files), with the positions of some keys.
    static func parseWithMarks(_ text: String, file: String) -> (spec: EnvironmentSpec?, diagnostics: [Diagnostic], marks: [String: YAMLMark]) {
        var parser = SpecParser(file: file)
        let root: YAMLNode?
        do {
            root = try YAML.parse(text, limits: yamlLimits)
        } catch let error as YAMLError {
            let message: String
            switch error.kind {
            case .inputTooLarge: message = "the spec file is too large: \(error.message) (256 KiB)"
            case .tooManyNodes: message = "the spec is too large: \(error.message)"
            default: message = "YAML syntax: \(error.message)"
            }
            return (nil, [Diagnostic(file: file, line: error.mark.line, column: error.mark.column, message: message)], [:])
        } catch {
            return (nil, [Diagnostic(file: file, line: 1, column: 1, message: "cannot read: \(error)")], [:])
        }
        guard let root else {
            return (nil, [Diagnostic(file: file, line: 1, column: 1, message: "the file is empty; expected an environment spec")], [:])
        }
        let spec = parser.spec(root)
        return (spec, parser.diagnostics, parser.marks)
    }

    // MARK: - The spec

    mutating func spec(_ root: YAMLNode) -> EnvironmentSpec? {
        guard let map = mapping(root, "the spec", keys: Self.topKeys) else { return nil }

        let kind: EnvironmentKind? = required(map, "kind", in: root).flatMap { node in
            guard let text = string(node, "kind") else { return nil }
            guard let kind = EnvironmentKind(rawValue: text) else {
                error(node, "kind must be one of preview, staging, production (got '\(text)')\(suggest(text, EnvironmentKind.allCases.map(\.rawValue)))")
                return nil
            }
            return kind
        }
        let name = required(map, "name", in: root).flatMap { string($0, "name") }
        marks["name"] = map["name"]?.mark
        if let name, let nameNode = map["name"] { checkName(name, nameNode, kind: kind) }
        let match = required(map, "match", in: root).flatMap { self.match($0) }
        let build = map["build"].map { steps($0) } ?? []
        let deploy = required(map, "deploy", in: root).flatMap { self.deploy($0) }
        let health = map["health"].flatMap { self.health($0) }
        let ttl = map["ttl"].flatMap { duration($0, "ttl") }
        let env = map["env"].map { variables($0) } ?? []
        let secrets = map["secrets"].map { self.secrets($0) } ?? []
        let neutralize = map["neutralize"].flatMap { self.neutralize($0) }
        let promotion = map["promotion"].flatMap { self.promotion($0) }
        let artifacts = map["artifacts"].map { stringList($0, "artifacts") } ?? []
        let limits = map["limits"].flatMap { self.limits($0) } ?? EnvironmentSpec.Limits()
        let database = map["database"].flatMap { self.database($0, kind: kind) }
        let route = map["route"].flatMap { self.route($0, kind: kind) }
        if let description = map["description"] { _ = string(description, "description") }

        // Rules that tie keys together.
        if let kind, let match {
            switch kind {
            case .preview:
                if match.pullRequestBase == nil {
                    error(map["match"] ?? root, "a preview environment matches pull requests: add 'pull_request: { base: main }' under match")
                }
                if match.branch != nil, let node = map["match"]?["branch"] {
                    error(node, "a preview environment follows pull requests, not a branch: remove 'branch'")
                }
            case .staging, .production:
                if match.branch == nil {
                    error(map["match"] ?? root, "a \(kind.rawValue) environment follows a branch: add 'branch: main' under match")
                }
                if match.pullRequestBase != nil, let node = map["match"]?["pull_request"] {
                    error(node, "only preview environments match pull requests")
                }
            }
        }
        if let kind, kind.requiresNeutralization, map["neutralize"] == nil {
            error(root, "a \(kind.rawValue) environment must be neutralized: add a 'neutralize' section (mail: catch-all, crons: off, forbid: [...])")
        }
        if let kind, kind == .production, map["promotion"] == nil {
            error(root, "production moves only by promotion: add 'promotion: { from: staging, label: promote, approvers: [...] }'")
        }
        if let kind, kind == .preview, let node = map["promotion"] {
            error(node, "'promotion' applies to staging and production environments (previews follow pull requests)")
        }
        if let kind, kind != .preview, let node = map["ttl"] {
            error(node, "'ttl' applies to preview environments only")
        }
        var names = Set<String>()
        for variable in env {
            names.insert(variable.name)
        }
        for secret in secrets where names.contains(secret.name) {
            if let node = map["secrets"]?.mapping?.first(where: { $0.key.string == secret.name })?.key {
                error(node, "'\(secret.name)' is both a plain variable (env) and a secret; keep one")
            }
        }
        if let neutralize, !neutralize.cronSQL.isEmpty, database == nil, let node = map["neutralize"]?["crons_sql"] {
            error(node, "neutralize.crons_sql runs on the environment's database, and this spec has no 'database' section")
        }
        if database != nil {
            for variable in env where DatabaseSpec.variables.contains(variable.name) {
                if let node = map["env"]?.mapping?.first(where: { $0.key.string == variable.name })?.key {
                    error(node, "'\(variable.name)' is set by Slipway from the 'database' section; remove it from env")
                }
            }
            for secret in secrets where DatabaseSpec.variables.contains(secret.name) {
                if let node = map["secrets"]?.mapping?.first(where: { $0.key.string == secret.name })?.key {
                    error(node, "'\(secret.name)' is set by Slipway from the 'database' section; remove it from secrets")
                }
            }
        }
        if let neutralize {
            checkForbidden(ForbiddenPatterns(neutralize.forbid), in: root, skipping: map["neutralize"])
        }

        guard let kind, let name, let match, let deploy else { return nil }
        return EnvironmentSpec(
            file: file, kind: kind, name: name, match: match, build: build, deploy: deploy, health: health,
            ttl: ttl, env: env, secrets: secrets, neutralize: neutralize, promotion: promotion, artifacts: artifacts,
            limits: limits, database: database, route: route
        )
    }

    mutating func checkName(_ name: String, _ node: YAMLNode, kind: EnvironmentKind?) {
        let sample = EnvironmentName.render(name, pullRequest: 1)
        if kind == .preview, !name.contains("{{pr.number}}") {
            error(node, "a preview name must contain {{pr.number}} so every PR gets its own environment (e.g. \"pr-{{pr.number}}\")")
            return
        }
        if kind != nil, kind != .preview, name.contains("{{") {
            error(node, "only preview names are templates; staging and production have fixed names")
            return
        }
        if let unknown = EnvironmentName.unknownVariable(in: name) {
            error(node, "unknown variable {{\(unknown)}} in name (known: pr.number)")
            return
        }
        if !EnvironmentName.isValid(sample) {
            error(node, "name '\(name)' must be lowercase letters, digits and dashes, start with a letter, at most 63 characters")
        }
    }

    mutating func match(_ node: YAMLNode) -> EnvironmentSpec.Match? {
        guard let map = mapping(node, "match", keys: Self.matchKeys) else { return nil }
        var match = EnvironmentSpec.Match()
        marks["match"] = node.mark
        if let pr = map["pull_request"] {
            marks["match.pull_request"] = pr.mark
            if let prMap = mapping(pr, "match.pull_request", keys: Self.pullRequestKeys) {
                match.pullRequestBase = prMap["base"].flatMap { string($0, "match.pull_request.base") } ?? "main"
                if let label = prMap["trust_label"].flatMap({ string($0, "match.pull_request.trust_label") }) {
                    match.trustLabel = label
                }
            }
        }
        if let branch = map["branch"] {
            marks["match.branch"] = branch.mark
            match.branch = string(branch, "match.branch")
        }
        if map.isEmpty {
            error(node, "match needs 'pull_request' (previews) or 'branch' (staging, production)")
        }
        return match
    }

    mutating func steps(_ node: YAMLNode) -> [EnvironmentSpec.BuildStep] {
        guard let items = node.sequence else {
            error(node, "build must be a list of steps (- run: \"...\"), found a \(node.kindName)")
            return []
        }
        var steps: [EnvironmentSpec.BuildStep] = []
        for (index, item) in items.enumerated() {
            if let run = item.string, item.mapping == nil {
                steps.append(EnvironmentSpec.BuildStep(run: run))
                continue
            }
            guard let map = mapping(item, "build[\(index)]", keys: Self.stepKeys) else { continue }
            guard let run = required(map, "run", in: item).flatMap({ string($0, "build[\(index)].run") }) else { continue }
            var step = EnvironmentSpec.BuildStep(run: run)
            if let timeout = map["timeout"].flatMap({ duration($0, "build[\(index)].timeout") }) { step.timeout = timeout }
            step.name = map["name"].flatMap { string($0, "build[\(index)].name") }
            steps.append(step)
        }
        return steps
    }

    mutating func deploy(_ node: YAMLNode) -> EnvironmentSpec.Deploy? {
        guard let map = mapping(node, "deploy", keys: Self.deployKeys) else { return nil }
        var deploy = EnvironmentSpec.Deploy()
        if let driverNode = map["driver"], let text = string(driverNode, "deploy.driver") {
            guard let driver = EnvironmentSpec.Driver(rawValue: text) else {
                error(driverNode, "deploy.driver must be process, command or container (got '\(text)')\(suggest(text, ["process", "command", "container"]))")
                return nil
            }
            if driver == .kubernetes {
                error(driverNode, "deploy.driver kubernetes is not supported by this version; use process, command or container")
                return nil
            }
            deploy.driver = driver
        }
        deploy.run = map["run"].flatMap { string($0, "deploy.run") }
        deploy.teardown = map["teardown"].flatMap { string($0, "deploy.teardown") }
        deploy.url = map["url"].flatMap { string($0, "deploy.url") }
        if deploy.driver == .container {
            deploy.container = container(map, in: node)
            for key in ["run", "teardown", "url"] {
                if let extra = map[key] { error(extra, "deploy.\(key) does not apply to the container driver (the image's command runs)") }
            }
            return deploy
        }
        for key in Self.containerKeys {
            if let extra = map[key] { error(extra, "deploy.\(key) applies to the container driver only (deploy.driver: container)") }
        }
        if deploy.run == nil, map["run"] == nil {
            error(node, "deploy.run is required: the command that \(deploy.driver == .process ? "serves the app on $PORT" : "deploys the environment")")
        }
        if deploy.driver == .command, deploy.teardown == nil, map["teardown"] == nil {
            error(node, "the command driver needs deploy.teardown: the command that removes the environment")
        }
        if deploy.driver == .process {
            for key in ["teardown", "url"] {
                if let extra = map[key] { error(extra, "deploy.\(key) applies to the command driver only") }
            }
        }
        return deploy
    }

    mutating func health(_ node: YAMLNode) -> EnvironmentSpec.Health? {
        guard let map = mapping(node, "health", keys: Self.healthKeys) else { return nil }
        var health = EnvironmentSpec.Health()
        if let pathNode = map["path"], let path = string(pathNode, "health.path") {
            if !path.hasPrefix("/") { error(pathNode, "health.path must start with '/' (got '\(path)')") }
            health.path = path
        }
        if let timeout = map["timeout"].flatMap({ duration($0, "health.timeout") }) { health.timeout = timeout }
        return health
    }

    mutating func variables(_ node: YAMLNode, section: String = "env") -> [EnvironmentSpec.EnvVar] {
        guard let pairs = node.mapping else {
            error(node, "\(section) must be a mapping of NAME: value, found a \(node.kindName)")
            return []
        }
        checkDuplicateKeys(pairs)
        var result: [EnvironmentSpec.EnvVar] = []
        for pair in pairs {
            guard let name = variableName(pair.key, section) else { continue }
            guard let value = scalarText(pair.value) else {
                error(pair.value, "\(section).\(name) must be a single value (string, number or boolean), found a \(pair.value.kindName)")
                continue
            }
            result.append(EnvironmentSpec.EnvVar(name: name, value: value))
        }
        return result
    }

    /// `secrets: { NAME: grant-name }`: each secret names a grant from the operator's
    /// configuration. Where a value lives (a file, a variable of the bot) is never the
    /// repository's to say, so the old `{ env: ... }` / `{ file: ... }` forms are refused.
    mutating func secrets(_ node: YAMLNode) -> [EnvironmentSpec.SecretRef] {
        guard let pairs = node.mapping else {
            error(node, "secrets must be a mapping of NAME: grant-name (grants are configured by the operator), found a \(node.kindName)")
            return []
        }
        checkDuplicateKeys(pairs)
        var result: [EnvironmentSpec.SecretRef] = []
        for pair in pairs {
            guard let name = variableName(pair.key, "secrets") else { continue }
            if pair.value.mapping != nil {
                error(pair.value, "secrets.\(name): specs no longer say where a secret comes from (no env or file); name a grant the operator configured, e.g. \(name): stripe-test")
                continue
            }
            guard let grant = string(pair.value, "secrets.\(name)") else { continue }
            guard Grant.isValidName(grant) else {
                error(pair.value, "secrets.\(name) must name a grant (letters, digits, '-', '_', '.'); secret values are never written in git")
                continue
            }
            marks["secrets.\(name)"] = pair.value.mark
            result.append(EnvironmentSpec.SecretRef(name: name, grant: grant))
        }
        return result
    }

    mutating func neutralize(_ node: YAMLNode) -> EnvironmentSpec.Neutralization? {
        guard let map = mapping(node, "neutralize", keys: Self.neutralizeKeys) else { return nil }
        var result = EnvironmentSpec.Neutralization()
        if let mailNode = map["mail"] {
            if let text = string(mailNode, "neutralize.mail") {
                if let mail = EnvironmentSpec.Neutralization.Mail(rawValue: text) {
                    result.mail = mail
                } else {
                    error(mailNode, "neutralize.mail must be catch-all or off (got '\(text)')\(suggest(text, ["catch-all", "off"]))")
                }
            }
        } else {
            error(node, "neutralize.mail is required (catch-all or off): a non-production environment must never send real mail")
        }
        if let cronsNode = map["crons"] {
            if cronsNode.bool == false || cronsNode.string == "off" {
                result.cronsOff = true
            } else {
                error(cronsNode, "neutralize.crons must be off: scheduled jobs never run in non-production environments")
            }
        } else {
            error(node, "neutralize.crons is required (off): scheduled jobs never run in non-production environments")
        }
        if let forbid = map["forbid"] {
            result.forbid = stringList(forbid, "neutralize.forbid")
        }
        if let mailEnv = map["mail_env"] {
            guard let items = mailEnv.sequence else {
                error(mailEnv, "neutralize.mail_env must be a list of variable names (set to the catch-all's smtp:// URL), found a \(mailEnv.kindName)")
                return result
            }
            result.mailVariables = items.compactMap { variableName($0, "neutralize.mail_env") }
        }
        if let cronsEnv = map["crons_env"] {
            result.cronVariables = variables(cronsEnv, section: "neutralize.crons_env")
        }
        if let cronsSQL = map["crons_sql"] {
            let statements = stringList(cronsSQL, "neutralize.crons_sql")
            for (index, statement) in statements.enumerated() {
                checkStatement(statement, cronsSQL.sequence?[index] ?? cronsSQL, "neutralize.crons_sql[\(index)]")
            }
            if statements.count > Self.maximumDatabaseRules {
                error(cronsSQL, "neutralize.crons_sql has \(statements.count) statements; at most \(Self.maximumDatabaseRules)")
            }
            result.cronSQL = statements
        }
        return result
    }

    mutating func promotion(_ node: YAMLNode) -> EnvironmentSpec.Promotion? {
        guard let map = mapping(node, "promotion", keys: Self.promotionKeys) else { return nil }
        guard let from = required(map, "from", in: node).flatMap({ string($0, "promotion.from") }) else { return nil }
        marks["promotion.from"] = map["from"]?.mark
        var promotion = EnvironmentSpec.Promotion(from: from)
        if let label = map["label"].flatMap({ string($0, "promotion.label") }) { promotion.label = label }
        if let approvers = map["approvers"] {
            promotion.approvers = stringList(approvers, "promotion.approvers")
            if promotion.approvers.isEmpty { error(approvers, "promotion.approvers must name at least one person") }
        } else {
            error(node, "promotion.approvers is required: the people whose label promotes to production")
        }
        if let requiredNode = map["required"] {
            if let count = requiredNode.int, count >= 1 {
                promotion.required = count
                if !promotion.approvers.isEmpty, !promotion.approvers.contains(where: { $0.contains("/") }), count > Set(promotion.approvers.map { $0.lowercased() }).count {
                    error(requiredNode, "promotion.required is \(count) but only \(Set(promotion.approvers.map { $0.lowercased() }).count) approver(s) are named: it could never be met")
                }
            } else {
                error(requiredNode, "promotion.required must be a whole number of approvals, at least 1")
            }
        }
        for (key, apply) in [("require_checks", { (value: Bool) in promotion.requireChecks = value }),
                             ("allow_direct_push", { (value: Bool) in promotion.allowDirectPush = value })] {
            guard let flag = map[key] else { continue }
            if let value = flag.bool { apply(value) } else { error(flag, "promotion.\(key) must be true or false") }
        }
        for approver in promotion.approvers where !Self.isApproverName(approver) {
            if let node = map["approvers"] { error(node, "promotion.approvers: '\(approver)' is not a GitHub login or org/team slug") }
        }
        return promotion
    }

    /// A GitHub login (letters, digits, single dashes; at most 39) or `org/team`.
    static func isApproverName(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 100 && part.first != "-" && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        }
    }

    // MARK: - Checks across the file

    /// No scalar in the file (outside the forbid list itself) may match a forbidden pattern.
    mutating func checkForbidden(_ patterns: ForbiddenPatterns, in node: YAMLNode, skipping: YAMLNode?) {
        guard !patterns.patterns.isEmpty else { return }
        if let skipping, node == skipping { return }
        switch node.kind {
        case .scalar(let text, _):
            if let pattern = patterns.match(text) {
                error(node, "value matches the forbidden pattern '\(pattern)': production secrets must never reach this environment")
            }
        case .sequence(let items):
            for item in items { checkForbidden(patterns, in: item, skipping: skipping) }
        case .mapping(let pairs):
            for pair in pairs { checkForbidden(patterns, in: pair.value, skipping: skipping) }
        }
    }

    mutating func checkDuplicateKeys(_ pairs: [YAMLPair]) {
        var seen: [String: YAMLMark] = [:]
        for pair in pairs {
            guard let key = pair.key.string else { continue }
            if let first = seen[key] {
                error(pair.key, "duplicate key '\(key)' (first at line \(first.line), column \(first.column))")
            } else {
                seen[key] = pair.key.mark
            }
        }
    }

    // MARK: - Typed reads

    mutating func mapping(_ node: YAMLNode, _ what: String, keys: [String]) -> [String: YAMLNode]? {
        guard let pairs = node.mapping else {
            error(node, "\(what) must be a mapping, found a \(node.kindName)")
            return nil
        }
        checkDuplicateKeys(pairs)
        var result: [String: YAMLNode] = [:]
        for pair in pairs {
            guard let key = pair.key.string else {
                error(pair.key, "keys in \(what) must be plain names")
                continue
            }
            guard keys.contains(key) else {
                error(pair.key, "unknown key '\(key)' in \(what)\(suggest(key, keys))")
                continue
            }
            if result[key] == nil { result[key] = pair.value }
        }
        return result
    }

    mutating func required(_ map: [String: YAMLNode], _ key: String, in node: YAMLNode) -> YAMLNode? {
        guard let value = map[key] else {
            error(node, "missing required key '\(key)'")
            return nil
        }
        return value
    }

    mutating func string(_ node: YAMLNode, _ what: String) -> String? {
        guard case .scalar(let text, _) = node.kind, !node.isNull else {
            error(node, "\(what) must be a string, found \(node.isNull ? "nothing" : "a \(node.kindName)")")
            return nil
        }
        return text
    }

    /// A scalar's text for env values: strings, numbers and booleans as written.
    func scalarText(_ node: YAMLNode) -> String? {
        guard case .scalar(let text, _) = node.kind else { return nil }
        return node.isNull ? "" : text
    }

    mutating func stringList(_ node: YAMLNode, _ what: String) -> [String] {
        guard let items = node.sequence else {
            error(node, "\(what) must be a list, found a \(node.kindName)")
            return []
        }
        return items.compactMap { string($0, "\(what) item") }
    }

    mutating func duration(_ node: YAMLNode, _ what: String) -> Duration? {
        guard let text = string(node, what) else { return nil }
        guard let duration = Duration(parsing: text), duration.milliseconds > 0 else {
            error(node, "\(what) '\(text)' is not a duration: use a number with a unit, like 90s, 5m, 72h or 1h30m")
            return nil
        }
        return duration
    }

    mutating func variableName(_ node: YAMLNode, _ section: String) -> String? {
        guard let name = node.string else {
            error(node, "\(section) names must be plain names")
            return nil
        }
        let valid = name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        guard valid else {
            error(node, "'\(name)' is not a valid variable name (letters, digits and _, not starting with a digit)")
            return nil
        }
        if Self.reservedVariables.contains(name) || name.hasPrefix("SLIPWAY_") {
            error(node, "'\(name)' is set by Slipway and cannot be overridden in \(section)")
            return nil
        }
        return name
    }

    mutating func error(_ node: YAMLNode, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: node.mark.line, column: node.mark.column, message: message))
    }

    func suggest(_ word: String, _ candidates: [String]) -> String {
        Suggestion.closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }
}
