public import SlipwayCore
import YAML

/// All environment specs of one commit, checked together.
public struct SpecSet: Sendable, Equatable {
    public var specs: [EnvironmentSpec]

    public init(specs: [EnvironmentSpec]) {
        self.specs = specs.sorted { $0.file < $1.file }
    }

    /// Parses every `(path, contents)` file and runs the checks across files. Diagnostics are
    /// sorted by file and position; the set holds the specs that parsed. With `grants` (the
    /// bot's configuration), every secret must name a grant its environment may use.
    public static func load(files: [(path: String, contents: String)], grants: GrantTable? = nil) -> (set: SpecSet, diagnostics: [Diagnostic]) {
        var valid: [EnvironmentSpec] = []
        var partial: [EnvironmentSpec] = []
        var diagnostics: [Diagnostic] = []
        var marks: [String: [String: YAMLMark]] = [:]
        for file in files.sorted(by: { $0.path < $1.path }) {
            let (spec, problems, fileMarks) = SpecParser.parseWithMarks(file.contents, file: file.path)
            diagnostics += problems
            guard let spec else { continue }
            // Checks across files also see specs with other errors, so one run reports all.
            partial.append(spec)
            marks[file.path] = fileMarks
            if problems.isEmpty { valid.append(spec) }
        }
        diagnostics += crossChecks(partial, marks: marks)
        if let grants {
            let refused = grantChecks(partial, grants: grants, marks: marks)
            diagnostics += refused
            let bad = Set(refused.map(\.file))
            valid.removeAll { bad.contains($0.file) }
        }
        return (SpecSet(specs: valid), diagnostics.sorted())
    }

    static func crossChecks(_ specs: [EnvironmentSpec], marks: [String: [String: YAMLMark]]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        func at(_ spec: EnvironmentSpec, _ keys: [String], _ message: String) {
            let mark = keys.lazy.compactMap { marks[spec.file]?[$0] }.first ?? YAMLMark(line: 1, column: 1)
            diagnostics.append(Diagnostic(file: spec.file, line: mark.line, column: mark.column, message: message))
        }
        let sorted = specs.sorted { $0.file < $1.file }
        for (index, spec) in sorted.enumerated() {
            for earlier in sorted[..<index] {
                if earlier.name == spec.name {
                    at(spec, ["name"], "duplicate environment name '\(spec.name)' (also in \(earlier.file))")
                }
                if let a = earlier.match.branch, let b = spec.match.branch, Glob(a).overlaps(Glob(b)) {
                    at(spec, ["match.branch"], "branch '\(b)' is also matched by \(earlier.file) ('\(a)'): one branch, one environment")
                }
                if let a = earlier.match.pullRequestBase, let b = spec.match.pullRequestBase, Glob(a).overlaps(Glob(b)) {
                    at(spec, ["match.pull_request"], "pull requests into '\(b)' are also matched by \(earlier.file) ('\(a)'): a PR gets one preview")
                }
            }
            if let database = spec.database, database.from == .staging,
               !sorted.contains(where: { $0.kind == .staging && $0.database != nil }) {
                at(spec, ["name"], "database.from: staging copies the staging environment's database, but no staging spec here has a 'database' section")
            }
            if let promotion = spec.promotion,
               !sorted.contains(where: { $0.name == promotion.from && $0.kind != .preview && $0.name != spec.name }) {
                at(spec, ["promotion.from"], "promotion.from '\(promotion.from)' names no staging or production environment in these specs")
            }
        }
        for conflict in SnapshotPolicy(specs: sorted).conflicts {
            diagnostics.append(Diagnostic(file: sorted.first(where: { $0.database != nil })?.file ?? "environments", line: 1, column: 1,
                                          message: "the snapshot is shared, so its rules must agree: \(conflict)"))
        }
        return diagnostics
    }

    /// Secrets naming grants that do not exist or that the environment may not use. A preview's
    /// name template is checked as rendered for a PR (`pr-{{pr.number}}` as `pr-1`).
    static func grantChecks(_ specs: [EnvironmentSpec], grants: GrantTable, marks: [String: [String: YAMLMark]]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for spec in specs {
            let name = spec.kind == .preview ? EnvironmentName.render(spec.name, pullRequest: 1) : spec.name
            for secret in spec.secrets {
                do {
                    _ = try grants.grant(secret.grant, for: name, kind: spec.kind, variable: secret.name)
                } catch {
                    let mark = marks[spec.file]?["secrets.\(secret.name)"] ?? YAMLMark(line: 1, column: 1)
                    diagnostics.append(Diagnostic(file: spec.file, line: mark.line, column: mark.column, message: error.message))
                }
            }
        }
        return diagnostics
    }

    /// The preview spec whose base pattern matches `base`.
    public func preview(forBase base: String) -> EnvironmentSpec? {
        specs.first { $0.kind == .preview && $0.match.pullRequestBase.map { Glob($0).matches(base) } == true }
    }

    /// The staging or production spec that follows `branch`.
    public func spec(followingBranch branch: String) -> EnvironmentSpec? {
        specs.first { $0.kind != .preview && $0.match.branch.map { Glob($0).matches(branch) } == true }
    }

    public func spec(named name: String) -> EnvironmentSpec? {
        specs.first { $0.name == name }
    }
}
